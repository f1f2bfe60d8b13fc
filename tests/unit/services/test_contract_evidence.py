"""The evidence about a contract on in-memory stores: verification names every kind of
tampering, events show their anchoring, and the receipt carries it all."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from cms.api.schemas.evidence import Receipt
from cms.domain.canonical import canonical_json
from cms.domain.contracts import Status
from cms.domain.errors import NotFound, ReceiptTooLarge
from cms.ports.contracts import CorruptSnapshot
from cms.services.anchor_reader import AnchorState
from tests.unit.services.contract_world import ed_party


@pytest.fixture
def active(world, parties):
    provider, consumer = parties
    contract = world.active(provider, consumer)
    assert world.contracts.verify(provider.caller, contract.id).valid
    return provider, consumer, contract


def failures(world, party, contract_id) -> dict[str, str]:
    report = world.contracts.verify(party.caller, contract_id)
    assert report.valid is False
    return {c.name: c.detail for c in report.checks if not c.ok}


def tamper_snapshot(world, contract_id, **fields):
    stored = world.store.snapshots[contract_id]
    content = {k: v for k, v in fields.items() if k in stored.content.__dataclass_fields__}
    rest = {k: v for k, v in fields.items() if k not in content}
    world.store.snapshots[contract_id] = replace(stored, content=replace(stored.content,
                                                                         **content), **rest)


def tamper_event(world, contract_id, seq, **fields):
    stream = world.services.database.streams[f"contract:{contract_id}"]
    stream[seq] = replace(stream[seq], **fields)


def test_editing_the_title_breaks_the_digest_and_the_snapshot(world, active):
    provider, _, contract = active
    tamper_snapshot(world, contract.id, title="A different deal")
    broken = failures(world, provider, contract.id)
    assert set(broken) == {"digest", "snapshot.title"}
    assert "A different deal" in broken["snapshot.title"]


def test_editing_terms_is_caught(world, active):
    provider, _, contract = active
    tamper_snapshot(world, contract.id, terms={"price": 1})
    assert set(failures(world, provider, contract.id)) == {"digest", "snapshot.terms"}


def test_editing_the_status_is_caught(world, active):
    provider, _, contract = active
    tamper_snapshot(world, contract.id, status=Status.COMPLETED)
    assert set(failures(world, provider, contract.id)) == {"snapshot.status"}


def test_replacing_a_signature_is_caught(world, active):
    provider, consumer, contract = active
    stored = world.store.snapshots[contract.id]
    forged = replace(stored.signatures[1], signature="00" * 64)
    tamper_snapshot(world, contract.id, signatures=(stored.signatures[0], forged))
    broken = failures(world, provider, contract.id)
    assert set(broken) == {"snapshot.signatures", f"signature:{consumer.did}"}


def test_editing_an_event_breaks_its_hash(world, active):
    provider, _, contract = active
    tamper_event(world, contract.id, 1, data={"digest": "ab" * 32})
    broken = failures(world, provider, contract.id)
    assert "audit_chain.event[1]" in broken and "recomputed" in broken["audit_chain.event[1]"]


def test_editing_an_event_actor_breaks_its_hash(world, active):
    provider, _, contract = active
    tamper_event(world, contract.id, 3, actor=provider.did)
    assert "audit_chain.event[3]" in failures(world, provider, contract.id)


def test_deleting_the_last_event_is_caught(world, active):
    provider, _, contract = active
    del world.services.database.streams[f"contract:{contract.id}"][4]
    broken = failures(world, provider, contract.id)
    assert {"audit_chain.head", "snapshot.status", "snapshot.version"} <= set(broken)


def test_editing_the_version_or_timestamps_is_caught(world, active):
    provider, _, contract = active
    tamper_snapshot(world, contract.id, version=42, created_at="2000-01-01T00:00:00.000Z")
    assert set(failures(world, provider, contract.id)) == {"snapshot.version",
                                                           "snapshot.created_at"}


def test_an_unreadable_snapshot_is_reported_to_parties_and_hidden_from_others(world, active):
    provider, _, contract = active

    def unreadable(contract_id):
        raise CorruptSnapshot(contract_id, ["status", "terms"], contract.parties)

    world.store.get = unreadable
    broken = failures(world, provider, contract.id)
    assert {"snapshot.status", "snapshot.terms"} <= set(broken)
    assert "cannot be read" in broken["snapshot.status"]
    report = world.contracts.verify(provider.caller, contract.id)
    assert (report.status, report.digest) == (None, None)
    with pytest.raises(CorruptSnapshot) as shown:
        world.contracts.get(provider.caller, contract.id)
    assert shown.value.status == 500 and shown.value.extra["fields"] == ["status", "terms"]
    with pytest.raises(NotFound):
        world.contracts.get(ed_party().caller, contract.id)


def test_events_show_their_anchoring_from_queued_to_final(world, active):
    provider, _, contract = active
    before = world.contracts.placed_events(provider.caller, contract.id)
    assert {placed.anchor for placed in before} == {AnchorState("pending")}
    world.anchor_all()
    after = world.contracts.placed_events(provider.caller, contract.id, after=1, limit=2)
    assert [placed.event.seq for placed in after] == [2, 3]
    for placed in after:
        anchor = placed.anchor
        assert anchor.state == "anchored" and anchor.tx_hash and anchor.block_number
        assert anchor.proof["algorithm"] == "rfc6962-sha256" and anchor.root


def test_anchored_events_are_proven_against_the_chain(world, active):
    provider, _, contract = active
    world.anchor_all()
    report = world.contracts.verify(provider.caller, contract.id)
    checks = {check.name: check for check in report.checks}
    assert report.valid and checks["anchoring"].ok and checks["status_slot"].ok
    assert "5 of 5 events proven" in checks["anchoring"].detail
    # A later state than the chain knows of is fine; an edited anchored event is not.
    tamper_event(world, contract.id, 2, at="2000-01-01T00:00:00.000Z")
    broken = failures(world, provider, contract.id)
    assert "anchor:event[2]" in broken and "audit_chain.event[2]" in broken


def test_a_receipt_is_canonical_json_of_the_whole_evidence(world, active, parties):
    provider, consumer, contract = active
    world.anchor_all()
    raw = world.contracts.receipt(consumer.caller, contract.id)
    receipt = json.loads(raw)
    assert canonical_json(receipt) == raw
    Receipt.model_validate(receipt)  # as the API documents it
    assert receipt["contract"]["id"] == contract.id and receipt["contract"]["status"] == "active"
    assert receipt["ledger"]["chain_id"] == 31337
    signed = [e for e in receipt["events"] if e["type"] == "contract.signed"]
    assert {e["data"]["did_document"]["id"] for e in signed} == {provider.did, consumer.did}
    assert all(e["anchor"]["proof"]["algorithm"] == "rfc6962-sha256"
               for e in receipt["events"])
    [batch] = receipt["batches"]
    assert batch["count"] == 5 and batch["tx_hash"].startswith("0x")


def test_events_not_final_yet_appear_without_an_anchor(world, active):
    provider, _, contract = active
    receipt = json.loads(world.contracts.receipt(provider.caller, contract.id))
    assert [e["anchor"] for e in receipt["events"]] == [None] * 5
    assert receipt["batches"] == []


def test_a_receipt_too_large_for_a_response_is_refused_clearly(world, active, monkeypatch):
    import cms.services.contracts.verification as service

    provider, _, contract = active
    raw = world.contracts.receipt(provider.caller, contract.id)
    monkeypatch.setattr(service, "MAX_RECEIPT_BYTES", len(raw) - 1)
    with pytest.raises(ReceiptTooLarge) as refused:
        world.contracts.receipt(provider.caller, contract.id)
    assert refused.value.status == 422 and refused.value.extra["size"] == len(raw)
