"""Every computation on a date that reaches the platform from outside (a contract's validity,
a signing deadline, a template's date variables, a stored record) is total: a date at either
end of what a timestamp holds gives an answer or a validation problem, never an overflow (a
500, or a step that fails until it is given up on, as the lock of signed files did)."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cms.domain.canonical import iso_utc, parse_iso, parse_timestamp
from cms.domain.contracts import Content, Contract, Signature, Status
from cms.domain.contracts.ranges import (
    MAX_SIGNING_WINDOW,
    VALIDITY_HORIZON,
    signing_deadline_ok,
    validity_errors,
)
from cms.domain.errors import ValidationFailed
from cms.domain.lifecycle import iso_seconds_up, reminder_time
from cms.domain.templates.rules import rule_problems

offsets = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes)))
# Any moment a timestamp can name, in any zone: the extremes most of all.
moments = st.one_of(
    st.datetimes(timezones=offsets),
    st.sampled_from([datetime.max.replace(tzinfo=timezone(timedelta(hours=-23))),
                     datetime.min.replace(tzinfo=timezone(timedelta(hours=23))),
                     datetime.max.replace(tzinfo=UTC), datetime.min.replace(tzinfo=UTC)]))
utc_moments = st.datetimes(timezones=st.just(UTC))
# The server's clock: any time before the last two centuries a timestamp can hold.
clocks = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(9700, 1, 1),
                      timezones=st.just(UTC))


@given(moments)
def test_reading_any_timestamp_gives_a_utc_moment_or_a_value_error(moment):
    try:
        parsed = parse_iso(moment.isoformat())
    except ValueError:
        return
    assert parsed.tzinfo == UTC and parsed == moment


def test_a_moment_past_the_last_utc_one_is_a_value_error_not_an_overflow():
    for text in ("9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00"):
        try:
            parse_iso(text)
        except ValueError as error:
            assert "out of the range" in str(error)
        else:
            raise AssertionError(f"{text} was read")


@given(utc_moments, utc_moments, utc_moments, st.integers(1, VALIDITY_HORIZON.days))
def test_a_validity_window_is_judged_whatever_its_dates(start, end, now, days):
    errors = validity_errors(start, end, now, timedelta(days=days))
    assert all(error["pointer"] in {"/valid_from", "/valid_until"} for error in errors)


@given(utc_moments, utc_moments, utc_moments)
def test_a_signing_deadline_is_judged_whatever_its_dates(requested, valid_until, now):
    accepted = signing_deadline_ok(requested, valid_until, now)
    assert not accepted or requested - now <= MAX_SIGNING_WINDOW


@given(utc_moments, st.timedeltas(min_value=timedelta(0)), utc_moments)
def test_a_reminder_time_is_a_moment_or_none(due, lead, now):
    moment = reminder_time(iso_utc(due), lead, now)
    assert moment is None or moment > now


@given(moments)
def test_rounding_up_to_a_second_never_overflows(moment):
    from cms.domain.lifecycle import seconds_up

    whole = seconds_up(moment)
    assert whole.microsecond == 0 and abs(whole - moment) < timedelta(seconds=1)
    assert whole >= moment or moment.replace(microsecond=0) == datetime.max.replace(
        microsecond=0, tzinfo=moment.tzinfo)


def test_the_last_moment_of_a_timestamp_is_scheduled_without_overflow():
    assert iso_seconds_up("9999-12-31T23:59:59.999Z") == "9999-12-31T23:59:59Z"
    assert iso_seconds_up("2030-01-01T00:00:00.001Z") == "2030-01-01T00:00:01Z"


@given(st.lists(moments, min_size=2, max_size=2))
def test_a_template_rule_on_date_times_answers_whatever_the_dates(pair):
    rules = [{"rule": "before", "first": "/a", "then": "/b"}]
    problems = rule_problems(rules, {"a": pair[0].isoformat(), "b": pair[1].isoformat()})
    assert all(problem["pointer"] == "/b" for problem in problems)


# What a template's variables may hold where a rule reads a moment, when its schema says no
# more than "a string" or "a number": a date, a date-time, a number, or anything else.
rule_values = st.one_of(st.dates().map(date.isoformat), moments.map(datetime.isoformat),
                        st.integers(-10**6, 10**6), st.text(max_size=12), st.none())


@given(st.sampled_from([
    {"rule": "before", "first": "/a", "then": "/b"},
    {"rule": "each_within", "items": "/items", "field": "due", "from": "/a", "until": "/b"},
]), rule_values, rule_values, st.lists(rule_values, max_size=3))
@example({"rule": "each_within", "items": "/items", "field": "due", "from": "/a",
          "until": "/b"}, "2026-01-01", "2026-12-31T00:00:00Z", ["2026-02-01"])
@example({"rule": "each_within", "items": "/items", "field": "due", "from": "/a",
          "until": "/b"}, 1, "2026-12-31", [5])
def test_a_template_rule_on_moments_answers_whatever_kinds_of_values_it_reads(rule, a, b, dues):
    """A rule comparing values of different kinds (a date and a date-time, a number and a
    date) reports a problem: it never fails the request with a TypeError."""
    variables = {"a": a, "b": b, "items": [{"due": due} for due in dues]}
    problems = rule_problems([rule], variables)
    assert all(isinstance(problem["message"], str) for problem in problems)


def test_a_window_of_two_kinds_holds_no_moment():
    rule = {"rule": "each_within", "items": "/items", "field": "due", "from": "/a",
            "until": "/b"}
    variables = {"a": "2026-01-01", "b": "2026-12-31T00:00:00Z", "items": [{"due": "2026-02-01"}]}
    assert rule_problems([rule], variables) == [
        {"pointer": "/items/0/due", "message": "must be between /a and /b"}]


@settings(deadline=None)  # the first example loads the DID libraries
@given(moments, moments)
def test_content_with_any_dates_is_valid_or_a_validation_problem(start, end):
    content = Content("t", "", "did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH",
                      "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG", {}, {},
                      start.isoformat(), end.isoformat())
    with contextlib.suppress(ValidationFailed):
        content.validated()


def signed_contract(valid_until: datetime, signed_at: datetime) -> Contract:
    provider, consumer = "did:key:provider", "did:key:consumer"
    content = Content("t", "", provider, consumer, {}, {}, "2000-01-01T00:00:00.000Z",
                      iso_utc(valid_until))
    signature = Signature(provider, "provider", "k", "eip712", "s", "d" * 64,
                          iso_utc(signed_at), 1)
    return Contract("c", content, Status.SIGNED, "d" * 64,
                    (signature, replace(signature, signer_did=consumer, role="consumer")),
                    "2000-01-01T00:00:00.000Z", "2000-01-01T00:00:00.000Z", 3, "0" * 64)


@settings(max_examples=300)
@given(utc_moments, utc_moments, clocks, st.integers(0, 36_525))
@example(datetime(9931, 6, 29, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC),
         datetime(2026, 1, 2, tzinfo=UTC), 25_023)
def test_a_lock_ends_within_two_centuries_of_signing_whatever_the_record_says(
        valid_until, signed_at, now, days):
    from cms.domain.contracts.retention import MAX_RETENTION, retention_until

    until = retention_until(signed_contract(valid_until, signed_at), timedelta(days=days), now)
    # Differences, not sums: a sum near year 9999 would overflow in the test itself.
    assert until - min(signed_at, now) <= VALIDITY_HORIZON + MAX_RETENTION
    assert until - valid_until <= timedelta(days=days) \
        or valid_until - now > VALIDITY_HORIZON \
        or signed_at > now or valid_until - signed_at > VALIDITY_HORIZON


@given(moments)
def test_the_strict_grammar_reads_what_the_api_writes(moment):
    """Content is checked with parse_timestamp; the API hands it datetime.isoformat() text
    (from pydantic) or iso_utc text, so both must read as the moment they name."""
    try:
        parsed = parse_timestamp(moment.isoformat())
    except ValueError:
        assert not _in_utc_range(moment)
        return
    assert parsed == moment
    stored = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    assert parse_timestamp(iso_utc(moment)) == stored  # iso_utc keeps milliseconds


def _in_utc_range(moment: datetime) -> bool:
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return False
    return True


def test_the_strict_grammar_refuses_what_fromisoformat_or_date_utc_would_bend():
    """The TypeScript verifier (receipts/timestamp.ts) reads the same grammar: a receipt's
    replay must not depend on the Python version or on Date.UTC's rollover."""
    for text in ("2027-01-01T00:99:00Z", "2027-01-01T24:00:00Z", "2026-12-31T23:59:60Z",
                 "2027-02-29T00:00:00Z", "2027-01-01T00:00:00+0100", "2027-01-01T00:00:00+24:00",
                 "2027-01-01T00:00:00+01:60", "2027-01-01 00:00:00Z", "2027-01-01t00:00:00z",
                 "2027-01-01T00:00:00.1234567Z", "2027-01-01T00:00Z", "20270101T000000Z",
                 "2027-W01-1T00:00:00Z", "0000-01-01T00:00:00Z", "0001-01-01T00:30:00+01:00",
                 "\uff12027-01-01T00:00:00Z", "2027-01-01T00:00:00", 20270101):
        with pytest.raises(ValueError):
            parse_timestamp(text)
    assert parse_timestamp("0050-01-01T00:00:00.000Z") == datetime(50, 1, 1, tzinfo=UTC)
    assert iso_utc(parse_timestamp("2027-01-01T05:30:00.5+05:30")) == "2027-01-01T00:00:00.500Z"
