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
    PartitionRead,
    bounded_page,
    cursor_of,
    key_of_cursor,
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
