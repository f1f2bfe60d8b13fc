"""The ranges a contract's dates lie in, and the listing order's cursor."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from cms.domain.canonical import iso_utc
from cms.domain.contracts import VALIDITY_HORIZON, Create, Submit, Update, decide
from cms.domain.contracts.listing import (
    CURSOR_EXAMPLE,
    CURSOR_PATTERN,
    KeyRange,
    ListingFilter,
    PartitionRead,
    bounded_page,
    check_created_window,
    check_page_size,
    cursor_of,
    key_of_cursor,
    key_range,
    listing_key,
    merged_page,
)
from cms.domain.errors import ValidationFailed
from tests.unit.test_contract_lifecycle import NOW, PROVIDER, content, step


def pointers(error: pytest.ExceptionInfo[ValidationFailed]) -> list[str]:
    return [item["pointer"] for item in error.value.extra["errors"]]


@pytest.mark.parametrize("changes, pointer", [
    ({"valid_until": iso_utc(NOW + VALIDITY_HORIZON + timedelta(seconds=1))}, "/valid_until"),
    ({"valid_from": "1999-12-31T23:59:59.999Z"}, "/valid_from"),
    ({"valid_until": iso_utc(NOW)}, "/valid_until"),
])
def test_a_validity_out_of_range_is_refused_when_made_and_when_edited(changes, pointer):
    with pytest.raises(ValidationFailed) as made:
        decide(None, Create("c1", content(**changes)), PROVIDER, NOW)
    assert pointer in pointers(made)
    draft = step(None, Create("c1", content()), PROVIDER)
    with pytest.raises(ValidationFailed) as edited:
        decide(draft, Update(changes), PROVIDER, NOW)
    assert pointer in pointers(edited)


def test_the_horizon_itself_and_the_earliest_start_are_accepted():
    edge = content(valid_from="2000-01-01T00:00:00.000Z",
                   valid_until=iso_utc(NOW + VALIDITY_HORIZON))
    created = step(None, Create("c1", edge), PROVIDER)
    # Every later date computed from it still fits a timestamp: the default signing
    # deadline, and documents retained for decades after the end.
    submitted = step(created, Submit(), PROVIDER)
    assert submitted.signing_deadline == iso_utc(NOW + timedelta(days=30))
    retained = datetime.fromisoformat(edge.valid_until) + timedelta(days=36_500)
    assert retained < datetime.max.replace(tzinfo=UTC)


def test_a_signing_deadline_far_beyond_any_window_is_a_validation_error():
    draft = step(None, Create("c1", content()), PROVIDER)
    far = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
    for deadline in (far, NOW, NOW + timedelta(days=361)):
        with pytest.raises(ValidationFailed) as refused:
            decide(draft, Submit(deadline), PROVIDER, NOW)
        assert pointers(refused) == ["/signing_deadline"]


def test_every_string_of_the_cursor_form_is_a_position():
    assert re.fullmatch(CURSOR_PATTERN, CURSOR_EXAMPLE)
    contract = step(None, Create("7d5b0f7e-2a51-4a47-9c43-3f6f0e4f7a10", content()), PROVIDER)
    assert key_of_cursor(cursor_of(contract)) == listing_key(contract.created_at, contract.id)
    # Not a contract's, and not even a date that exists: still a place in the order.
    assert key_of_cursor("2026-02-31T23:59:59.999Z_00000000-0000-0000-0000-000000000000")
    for bad in ("not-a-cursor", "2026-12-07T06:00:00Z_7d5b0f7e-2a51-4a47-9c43-3f6f0e4f7a10",
                "eyJwcm92aWRlciI6bnVsbH0", CURSOR_EXAMPLE.upper()):
        with pytest.raises(ValueError):
            key_of_cursor(bad)


def test_a_merged_page_is_newest_first_unique_and_says_whether_more_remain():
    made = [step(None, Create(f"{i:08d}-0000-0000-0000-000000000000", content()), PROVIDER,
                 now=NOW + timedelta(milliseconds=i % 3)) for i in range(5)]
    page, cursor = merged_page([*made, made[0]], 3)
    keys = [listing_key(c.created_at, c.id) for c in page]
    assert keys == sorted(keys, reverse=True) and len({c.id for c in page}) == 3
    assert cursor == cursor_of(page[-1])
    rest, end = merged_page([c for c in made
                             if listing_key(c.created_at, c.id) < key_of_cursor(cursor)], 3)
    assert {c.id for c in page} | {c.id for c in rest} == {c.id for c in made} and end is None


def test_a_bounded_page_holds_only_what_every_read_covered_and_goes_on_from_there():
    made = [step(None, Create(f"{i:08d}-0000-0000-0000-000000000000", content()), PROVIDER,
                 now=NOW + timedelta(seconds=i)) for i in range(6)]
    key = [listing_key(c.created_at, c.id) for c in made]
    # One read stopped at made[3] (more below it there); the other read to its end and
    # found made[1], which lies below that stop: unknown territory for the first partition.
    stopped = PartitionRead([made[5], made[4]], stopped_at=key[3])
    finished = PartitionRead([made[1]], stopped_at=None)
    page, cursor = bounded_page([stopped, finished], 10)
    assert [c.id for c in page] == [made[5].id, made[4].id]
    assert cursor is not None and key_of_cursor(cursor) == key[3]
    # Nothing found above the stop: an empty page that still says where to go on.
    assert bounded_page([PartitionRead([], stopped_at=key[2])], 10) == (
        [], cursor_of(made[2]))
    # Every read finished: a plain merged page.
    assert bounded_page([PartitionRead(made[:2], None), finished], 1) == merged_page(
        made[:2], 1)


EARLY, LATE = "2026-12-01T00:00:00.000Z", "2026-12-08T00:00:00.000Z"
INSIDE = listing_key("2026-12-05T00:00:00.000Z", "7d5b0f7e-2a51-4a47-9c43-3f6f0e4f7a10")
BELOW = listing_key("2026-11-30T00:00:00.000Z", "7d5b0f7e-2a51-4a47-9c43-3f6f0e4f7a10")


@pytest.mark.parametrize("after, before, cursor_key, expected", [
    (None, None, None, KeyRange(None, None)),
    (EARLY, None, None, KeyRange(EARLY, None)),
    (EARLY, LATE, None, KeyRange(EARLY, LATE)),
    (EARLY, LATE, INSIDE, KeyRange(EARLY, INSIDE)),  # the cursor is the tighter upper bound
    (EARLY, None, f"{EARLY}#7d5b0f7e-2a51-4a47-9c43-3f6f0e4f7a10",  # same instant, a key
     KeyRange(EARLY, f"{EARLY}#7d5b0f7e-2a51-4a47-9c43-3f6f0e4f7a10")),
    ("", None, None, KeyRange(None, None)),  # every key sorts above the empty string
    # Empty windows: nothing to read, so no key condition at all (DynamoDB refuses BETWEEN
    # with bounds out of order, and key conditions on an empty string).
    (EARLY, None, BELOW, None),  # the cursor passed the window's start
    (LATE, EARLY, None, None),
    (EARLY, EARLY, None, None),
    (None, "", None, None),
])
def test_a_key_range_is_ordered_or_absent(after, before, cursor_key, expected):
    assert key_range(ListingFilter(created_after=after, created_before=before),
                     cursor_key) == expected


def test_a_created_window_that_holds_no_instant_names_both_parameters():
    check_created_window(ListingFilter(created_after=EARLY, created_before=LATE))
    check_created_window(ListingFilter(created_after=LATE))
    for after, before in ((LATE, EARLY), (EARLY, EARLY)):
        with pytest.raises(ValidationFailed) as refused:
            check_created_window(ListingFilter(created_after=after, created_before=before))
        assert pointers(refused) == ["query:created_after", "query:created_before"]


def test_a_page_holds_at_least_one_contract():
    check_page_size(1)
    for limit in (0, -1):
        with pytest.raises(ValidationFailed) as refused:
            check_page_size(limit)
        assert pointers(refused) == ["query:limit"]
