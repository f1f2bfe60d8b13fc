"""The contract store: a snapshot and its audit event land together or not at all, reads are
consistent, and listings page newest first through the partitions a caller may see."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cms.domain.canonical import iso_utc
from cms.domain.contracts import Content, Create, Submit, Terminate, record_change
from cms.domain.contracts.listing import key_of_cursor, listing_key
from cms.ports.errors import WriteConflict
from cms_client import Ed25519Signer

START = datetime(2026, 12, 7, 6, tzinfo=UTC)


def party() -> str:
    return Ed25519Signer().did


def made(store, provider: str, consumer: str, *, at: datetime = START,
         contract_id: str | None = None):
    content = Content(title="Licence", description="", provider_did=provider,
                      consumer_did=consumer, terms={"epsilon": 3.0}, metadata={},
                      valid_from=iso_utc(at), valid_until=iso_utc(at + timedelta(days=30)))
    contract, event = record_change(None, Create(contract_id or str(uuid.uuid4()), content),
                                    actor=provider, now=at, event_id=str(uuid.uuid4()))
    store.commit(contract, event, expected_version=None)
    return contract


def changed(store, contract, command, actor=None, at=START):
    updated, event = record_change(contract, command, actor=actor or contract.parties[0],
                                   now=at, event_id=str(uuid.uuid4()))
    store.commit(updated, event, expected_version=contract.version)
    return updated


def test_a_contract_reads_back_with_its_event(services):
    store = services.contract_store
    contract = made(store, party(), party())
    assert store.get(contract.id) == contract
    [(event, placement)] = store.placed_events(contract.id)
    assert (event.seq, event.event_type, event.hash) == (0, "contract.created",
                                                         contract.head_hash)
    assert placement is None and store.events(contract.id) == [event]
    assert store.head_state(contract.id) == ("draft", 0)


def test_an_unknown_contract_is_none(services):
    store = services.contract_store
    unknown = str(uuid.uuid4())
    assert store.get(unknown) is None and store.head_state(unknown) is None
    assert store.events(unknown) == [] and store.placed_events(unknown) == []


def test_a_stale_change_conflicts_and_writes_neither_snapshot_nor_event(services):
    store = services.contract_store
    contract = made(store, party(), party())
    submitted = changed(store, contract, Submit())
    late, event = record_change(contract, Terminate("stale"), actor=contract.parties[0],
                                now=START, event_id="late")
    with pytest.raises(WriteConflict):
        store.commit(late, event, expected_version=contract.version)
    assert store.get(contract.id) == submitted
    assert [e.event_type for e in store.events(contract.id)] == ["contract.created",
                                                                 "contract.submitted"]


def test_creating_an_existing_contract_conflicts(services):
    store = services.contract_store
    contract = made(store, party(), party())
    with pytest.raises(WriteConflict):
        made(store, *contract.parties, contract_id=contract.id)
    assert store.get(contract.id) == contract and len(store.events(contract.id)) == 1


def test_an_event_whose_sequence_number_is_taken_is_a_fork_and_refused(services):
    store = services.contract_store
    contract = made(store, party(), party())
    submitted = changed(store, contract, Submit())
    # A snapshot at the right version whose event claims an existing position.
    forked, event = record_change(contract, Terminate("fork"), actor=contract.parties[0],
                                  now=START, event_id="fork")
    with pytest.raises(WriteConflict):
        store.commit(replace(forked, version=submitted.version + 1), event,
                     expected_version=submitted.version)
    assert store.get(contract.id) == submitted


def test_events_page_by_sequence(services):
    store = services.contract_store
    contract = made(store, party(), party())
    changed(store, changed(store, contract, Submit()), Terminate("done"))
    assert [e.seq for e in store.events(contract.id, after=0)] == [1, 2]
    assert [e.seq for e in store.events(contract.id, after=0, limit=1)] == [1]
    assert [e.seq for e, _ in store.placed_events(contract.id, after=1)] == [2]


def page_through(list_page, limit: int):
    seen, before = [], None
    while True:
        page = list_page(before, limit)
        assert len(page.items) <= limit
        seen.extend(page.items)
        if page.next_cursor is None:
            return seen
        before = key_of_cursor(page.next_cursor)


def test_a_party_pages_through_both_roles_newest_first_each_once(services):
    store = services.contract_store
    me, other = party(), party()
    # Several in the same millisecond: the id breaks the tie, so none is skipped or repeated.
    mine = [made(store, me, other, at=START + timedelta(milliseconds=i // 2)) for i in range(5)]
    theirs = [made(store, other, me, at=START + timedelta(milliseconds=i)) for i in range(3)]
    made(store, other, party())  # not mine
    for limit in (1, 2, 3, 8, 20):
        seen = page_through(lambda before, n: store.list_for_party(me, None, None, before, n),
                            limit)
        assert [c.id for c in seen] == [c.id for c in sorted(
            mine + theirs, key=lambda c: listing_key(c.created_at, c.id), reverse=True)]
    as_consumer = store.list_for_party(me, "consumer", None, None, 20)
    assert {c.id for c in as_consumer.items} == {c.id for c in theirs}
    assert as_consumer.next_cursor is None


def test_a_status_filter_pages_as_well(services):
    store = services.contract_store
    me, other = party(), party()
    contracts = [made(store, me, other, at=START + timedelta(seconds=i)) for i in range(5)]
    submitted = [changed(store, c, Submit()).id for c in contracts[::2]]
    seen = page_through(lambda before, n: store.list_for_party(me, None, "review", before, n), 1)
    assert [c.id for c in seen] == submitted[::-1]
    assert all(c.status.value == "review" for c in seen)


def test_any_position_pages_from_there(services):
    store = services.contract_store
    me, other = party(), party()
    contracts = [made(store, me, other, at=START + timedelta(days=i)) for i in range(3)]
    # A position no contract sits at, between the first and the second.
    between = listing_key(iso_utc(START + timedelta(hours=1)), "0" * 8 + "-0000-0000-0000-" +
                          "0" * 12)
    page = store.list_for_party(me, None, None, between, 10)
    assert [c.id for c in page.items] == [contracts[0].id] and page.next_cursor is None


def test_every_contract_is_listed_once_across_statuses(services):
    store = services.contract_store
    me, other = party(), party()
    far = START + timedelta(days=3650)  # newest of all, so first in every listing
    contracts = [made(store, me, other, at=far + timedelta(milliseconds=i)) for i in range(4)]
    changed(store, contracts[1], Submit())
    changed(store, contracts[2], Terminate("x"))
    first = page_through(lambda before, n: store.list_all(None, before, n), 2)[:4]
    assert [c.id for c in first] == [c.id for c in reversed(contracts)]
    review = store.list_all("review", None, 1)
    assert [c.id for c in review.items] == [contracts[1].id]


def test_due_for_expiry_names_ended_and_unsigned_contracts(services):
    store = services.contract_store
    me, other = party(), party()
    live = made(store, me, other)
    in_review = changed(store, made(store, me, other), Submit(START + timedelta(days=1)))
    ended = iso_utc(START + timedelta(days=31))
    due = store.due_for_expiry(ended, limit=1000)
    assert {live.id, in_review.id} <= set(due)
    deadline = iso_utc(START + timedelta(days=2))
    assert in_review.id in store.due_for_expiry(deadline, limit=1000)
    assert live.id not in store.due_for_expiry(deadline, limit=1000)


@pytest.mark.parametrize("attribute, value", [
    ("status", {"S": "bogus"}),
    ("signatures", {"S": "[{}]"}),
    ("terms", {"S": "{not json"}),
    ("version", {"S": "forty-two"}),
    ("title", {"N": "7"}),
])
def test_a_record_edited_into_something_unreadable_names_the_field(moto_dynamodb, attribute,
                                                                   value):
    """DynamoDB only: the in-memory store holds decoded contracts, it has nothing to decode."""
    import boto3

    from cms.bootstrap import Services
    from cms.config import Settings
    from cms.ports.contracts import CorruptSnapshot

    store = Services(Settings.from_environ(moto_dynamodb)).contract_store
    contract = made(store, party(), party())
    boto3.client("dynamodb").update_item(
        TableName=moto_dynamodb["CMS_CONTRACTS_TABLE"], Key={"contract_id": {"S": contract.id}},
        UpdateExpression="SET #a = :v", ExpressionAttributeNames={"#a": attribute},
        ExpressionAttributeValues={":v": value})
    with pytest.raises(CorruptSnapshot) as unreadable:
        store.get(contract.id)
    assert unreadable.value.fields == [attribute]
    assert unreadable.value.parties == contract.parties
