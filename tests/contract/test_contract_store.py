"""The contract store: a snapshot and its audit event land together or not at all, reads are
consistent, and listings page newest first through the partitions a caller may see."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cms.domain.canonical import iso_utc
from cms.domain.contracts import Content, Create, Submit, Terminate, record_change
from cms.domain.contracts.listing import ListingFilter, key_of_cursor, listing_key
from cms.ports.errors import WriteConflict
from cms_client import Ed25519Signer

START = datetime(2026, 12, 7, 6, tzinfo=UTC)


def party() -> str:
    return Ed25519Signer().did


def made(store, provider: str, consumer: str, *, at: datetime = START,
         contract_id: str | None = None, title: str = "Licence", template: str | None = None):
    metadata = {"template": {"id": template, "version": 1, "variables": {}}} if template else {}
    content = Content(title=title, description="", provider_did=provider,
                      consumer_did=consumer, terms={"epsilon": 3.0}, metadata=metadata,
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
    seen, before = [], None  # a filtered page may run short (bounded reads): follow cursors
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


@pytest.fixture
def small_reads(monkeypatch):
    """Each filtered read evaluates at most 2 contracts per partition, so a few contracts
    exercise what many would: short pages whose cursor is where the reads stopped."""
    from cms.adapters import contract_store

    monkeypatch.setattr(contract_store, "READ_BUDGET", 2)


def newest_first(contracts):
    return [c.id for c in sorted(contracts, key=lambda c: listing_key(c.created_at, c.id),
                                 reverse=True)]


def filtered(store, did, filters, limit, role=None):
    """The ids of every match, through every page."""
    return [c.id for c in page_through(lambda before, n: store.list_for_party(
        did, role, None, before, n, filters=filters), limit)]


@pytest.mark.usefixtures("small_reads")
def test_each_filter_keeps_its_matches_across_short_pages(services):
    store = services.contract_store
    me, alice, bob = party(), party(), party()
    at = [START + timedelta(minutes=i) for i in range(9)]
    with_alice = [made(store, me, alice, at=at[0], title="Data licence"),
                  made(store, alice, me, at=at[3], title="Model LICENCE",
                       template="ai_training"),
                  made(store, me, alice, at=at[6], template="ai_training")]
    with_bob = [made(store, me, bob, at=at[i], title="Audit") for i in (1, 2, 4, 5, 7, 8)]
    made(store, alice, bob, at=at[4], template="ai_training")  # not mine
    everything = with_alice + with_bob
    for limit in (1, 2, 20):
        assert filtered(store, me, ListingFilter(counterparty=alice), limit) == \
            [c.id for c in reversed(with_alice)]
        by_template = ListingFilter(template_id="ai_training")
        assert filtered(store, me, by_template, limit) == newest_first(with_alice[1:])
        searched = ListingFilter(title_contains="licence")
        assert filtered(store, me, searched, limit) == newest_first(with_alice)
        window = ListingFilter(created_after=iso_utc(at[2]), created_before=iso_utc(at[6]))
        assert filtered(store, me, window, limit) == newest_first(
            [c for c in everything if iso_utc(at[2]) <= c.created_at < iso_utc(at[6])])
    valid = ListingFilter(valid_at=iso_utc(at[7] + timedelta(days=30, seconds=30)))
    assert filtered(store, me, valid, 3) == newest_first(with_bob[-1:])
    as_consumer = ListingFilter(counterparty=alice)
    assert filtered(store, me, as_consumer, 5, role="consumer") == [
        with_alice[1].id]


def test_a_filtered_read_that_stops_short_pages_from_where_it_stopped(services, monkeypatch):
    store = services.contract_store
    me, alice, bob = party(), party(), party()
    wanted = made(store, me, alice, at=START)
    for i in range(1, 6):
        made(store, me, bob, at=START + timedelta(seconds=i))
    from cms.adapters import contract_store

    monkeypatch.setattr(contract_store, "READ_BUDGET", 2)
    first = store.list_for_party(me, None, None, None, 1,
                                 filters=ListingFilter(counterparty=alice))
    if isinstance(store, contract_store.DynamoContractStore):
        # The two reads met only Bob's contracts: an empty page that says where to go on.
        assert first.items == [] and first.next_cursor is not None
    else:  # memory reads everything at once
        assert [c.id for c in first.items] == [wanted.id] and first.next_cursor is None
    assert filtered(store, me, ListingFilter(counterparty=alice), 1) == [wanted.id]


@pytest.mark.usefixtures("small_reads")
def test_an_overseer_filters_every_contract_by_either_party(services):
    store = services.contract_store
    alice, bob, carol = party(), party(), party()
    far = START + timedelta(days=3000)
    as_provider = made(store, alice, bob, at=far, title="Shared")
    as_consumer = made(store, carol, alice, at=far + timedelta(seconds=1), title="shared too")
    made(store, bob, carol, at=far + timedelta(seconds=2), title="Shared")
    either = page_through(lambda before, n: store.list_all(
        None, before, n, filters=ListingFilter(counterparty=alice)), 1)
    assert [c.id for c in either] == [as_consumer.id, as_provider.id]
    submitted = changed(store, as_provider, Submit())
    in_review = store.list_all("review", None, 5, filters=ListingFilter(counterparty=alice))
    assert [c.id for c in in_review.items] == [submitted.id]
    searched = page_through(lambda before, n: store.list_all(
        None, before, n, filters=ListingFilter(title_contains="shared",
                                               created_after=iso_utc(far))), 2)
    assert len(searched) == 3



def test_a_read_below_the_created_window_is_an_empty_last_page(services):
    """Real DynamoDB refuses a BETWEEN whose bounds are out of order (the local stack's moto
    does too): a cursor past the window's start, or a window given inverted, reads nothing."""
    store = services.contract_store
    me, other = party(), party()
    at = START + timedelta(days=4000)
    inside = made(store, me, other, at=at)
    window = ListingFilter(created_after=iso_utc(at))
    below = listing_key(iso_utc(at - timedelta(days=1)), inside.id)
    inverted = ListingFilter(created_after=iso_utc(at + timedelta(days=1)),
                             created_before=iso_utc(at))
    for filters, before in ((window, below), (inverted, None),
                            (replace(window, counterparty=other), below)):
        for page in (store.list_for_party(me, None, None, before, 5, filters=filters),
                     store.list_all(None, before, 5, filters=filters),
                     store.list_all("draft", before, 5, filters=filters)):
            assert (page.items, page.next_cursor) == ([], None)
    # The window itself still lists what lies in it.
    assert [c.id for c in store.list_for_party(me, None, None, None, 5,
                                               filters=window).items] == [inside.id]

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
