"""Anchor batches as verification and receipts read them: a batch's record and state, and the
placement (batch, global number, proof) each of its events carries once it is settled."""

from __future__ import annotations

import random

import pytest

from cms.domain.anchoring import FINAL, SENT, PendingEvent, prepare
from cms.domain.contracts import Submit
from cms.domain.merkle import InclusionProof
from cms.ports.errors import WriteConflict
from tests.contract.test_contract_store import changed, made, party


def pending_of(services, contract) -> list[PendingEvent]:
    return [PendingEvent(e.stream, e.seq, e.hash)
            for e in services.contract_store.events(contract.id)]


def test_a_settled_batch_places_its_events_with_their_proofs(services):
    store, batches = services.contract_store, services.anchor_batches
    contract = changed(store, made(store, party(), party()), Submit())
    first_seq = random.randrange(10**9, 10**12)  # below test_anchoring_progress's
    batch = prepare(first_seq, pending_of(services, contract))
    batches.create(batch)
    assert batches.get(first_seq) == batch
    sent = batches.mark(batch, SENT, tx_hash="0x" + "ab" * 32)
    final = batches.mark(sent, FINAL, block_number=7)
    assert batches.get(first_seq) == final
    assert (final.state, final.tx_hash, final.block_number) == (FINAL, "0x" + "ab" * 32, 7)
    batches.settle(final)
    placed = store.placed_events(contract.id)
    for index, (event, placement) in enumerate(placed):
        assert (placement.batch_first_seq, placement.anchor_seq) == (first_seq,
                                                                     first_seq + index)
        proof = InclusionProof.from_json(placement.proof)
        assert proof.verifies(bytes.fromhex(event.hash), bytes.fromhex(batch.root))


def test_a_batch_is_created_once_and_an_event_keeps_its_first_placement(services):
    store, batches = services.contract_store, services.anchor_batches
    contract = made(store, party(), party())
    first_seq = random.randrange(10**9, 10**12)
    batch = prepare(first_seq, pending_of(services, contract))
    batches.create(batch)
    with pytest.raises(WriteConflict):
        batches.create(batch)
    batches.settle(batch)
    batches.settle(batch)  # a resumed run: the same placement again
    other = prepare(first_seq + 10**6, pending_of(services, contract))
    batches.create(other)
    batches.settle(other)  # anchored by another batch meanwhile: the first proof stands
    [(_, placement)] = store.placed_events(contract.id)
    assert placement.batch_first_seq == first_seq
    assert batches.get(first_seq + 1) is None
