"""Hash chain integrity and the verification report: every kind of tampering is named."""

from __future__ import annotations

from dataclasses import replace

from cms.domain.audit import chain_problems, seal
from cms.domain.contracts import Status, replay
from cms.domain.verification import verify_contract
from tests.unit.test_contract_lifecycle import (
    CONSUMER,
    NOW,
    PROVIDER,
    Activate,
    Create,
    Sign,
    Submit,
    content,
    record_change,
    signature,
)


def history():
    events, contract = [], None
    for command, actor in [(Create("c1", content()), PROVIDER), (Submit(), PROVIDER)]:
        contract = _append(events, contract, command, actor)
    for did, role in [(PROVIDER, "provider"), (CONSUMER, "consumer")]:
        contract = _append(events, contract, Sign(signature(contract, did, role), {}), did)
    contract = _append(events, contract, Activate(), PROVIDER)
    return contract, events


def _append(events, contract, command, actor):
    contract, event = record_change(contract, command, actor=actor, now=NOW,
                                    event_id=str(len(events)))
    events.append(event)
    return contract


def accept_all(_contract, _signature):
    return None


def failed(checks):
    return sorted(c.name for c in checks if not c.ok)


def test_an_intact_history_verifies_and_replays_to_the_snapshot():
    contract, events = history()
    assert chain_problems(events, "contract:c1") == []
    assert replay(events) == contract and contract.status == Status.ACTIVE
    assert failed(verify_contract(contract, events, accept_all)) == []


def test_editing_event_content_breaks_its_hash():
    contract, events = history()
    events[1] = replace(events[1], data={"digest": "f" * 64})
    names = failed(verify_contract(contract, events, accept_all))
    assert "audit_chain.event[1]" in names and "audit_chain" in names


def test_rehashing_an_edited_event_breaks_the_next_link():
    contract, events = history()
    forged = seal(stream="contract:c1", seq=1, prev_hash=events[0].hash, event_id="1",
                  event_type="contract.submitted", actor=PROVIDER, at=events[1].at,
                  data={"digest": "f" * 64})
    events[1] = forged
    names = failed(verify_contract(contract, events, accept_all))
    assert "audit_chain.event[2]" in names  # prev_hash no longer matches


def test_dropping_the_last_event_is_seen_at_the_head():
    contract, events = history()
    names = failed(verify_contract(contract, events[:-1], accept_all))
    assert "audit_chain.head" in names and "snapshot.status" in names


def test_editing_a_snapshot_field_names_the_field_and_the_digest():
    contract, events = history()
    tampered = replace(contract, content=replace(contract.content, title="Other"))
    assert failed(verify_contract(tampered, events, accept_all)) == ["digest", "snapshot.title"]


def test_editing_the_status_is_named():
    contract, events = history()
    tampered = replace(contract, status=Status.COMPLETED)
    assert failed(verify_contract(tampered, events, accept_all)) == ["snapshot.status"]


def test_bad_signatures_are_reported_per_signer():
    contract, events = history()
    checks = verify_contract(contract, events,
                             lambda _c, s: "bad" if s.signer_did == CONSUMER else None)
    assert failed(checks) == [f"signature:{CONSUMER}"]


def test_anchor_checks_prove_each_placed_event():
    from cms.domain.anchoring import Placement
    from cms.domain.merkle import batch
    from cms.domain.verification import ChainAnchor, anchor_checks

    _, events = history()
    root, proofs = batch([e.hash for e in events])
    placed = [(e, Placement(10, 10 + i, p.to_json())) for i, (e, p) in
              enumerate(zip(events, proofs, strict=True))]
    on_chain = {10: (root, ChainAnchor(block_number=7, first_seq=10, count=len(events)))}
    assert failed(anchor_checks(placed, on_chain.__getitem__)) == []
    assert failed(anchor_checks([(events[0], None)], on_chain.__getitem__)) == []
    wrong_count = {10: (root, ChainAnchor(7, 10, len(events) + 1))}
    assert "anchor:event[0]" in failed(anchor_checks(placed, wrong_count.__getitem__))
    absent = {10: (root, None)}
    assert failed(anchor_checks(placed[:1], absent.__getitem__)) == [
        "anchor:event[0]", "anchoring"]
    swapped = [(events[1], placed[0][1])]
    assert "anchor:event[1]" in failed(anchor_checks(swapped, on_chain.__getitem__))


def test_status_slot_check_compares_the_chain_with_the_history():
    from cms.domain.verification import ChainSlot, status_slot_check

    contract, events = history()  # active, head = event 4
    head = len(events) - 1
    assert status_slot_check(contract, events, None).ok
    assert status_slot_check(contract, events, ChainSlot(3, head, events[head].hash)).ok
    assert status_slot_check(contract, events, ChainSlot(2, 3, events[3].hash)).ok  # earlier
    assert not status_slot_check(contract, events, ChainSlot(4, head, events[head].hash)).ok
    assert not status_slot_check(contract, events, ChainSlot(3, head, "00" * 32)).ok
    assert not status_slot_check(contract, events, ChainSlot(3, head + 1, "00" * 32)).ok
