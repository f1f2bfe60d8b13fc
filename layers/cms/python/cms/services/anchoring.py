"""Anchoring audit events on the ledger: at least once, and never twice.

One batch is in flight at a time. Its record is written before the transaction is sent, and
every run re-derives what to do from that record and from the chain itself (``anchorOf``,
``nextSeq``), so the function may die between any two steps: the next run resends a
transaction that vanished, finishes a batch the chain already holds, or gives up a batch whose
range the chain gave to another root (its events simply stay queued).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cms.adapters.anchor_store import AnchorStore
from cms.adapters.contract_store import CorruptSnapshot
from cms.adapters.dynamo import WriteConflict
from cms.adapters.ledger_client import LedgerClient, LedgerRejected
from cms.domain.anchoring import (
    ABANDONED,
    FINAL,
    SENT,
    SIGNIFICANT,
    STATUS_CODES,
    Batch,
    PendingEvent,
    prepare,
)

MAX_STEPS = 20  # per invocation; the schedule calls again


class ContractHeads(Protocol):
    def head_state(self, contract_id: str) -> tuple[str, int] | None:
        """(status, seq of the head event) of a contract, or None."""
        ...


@dataclass(frozen=True)
class Step:
    action: str  # idle, sent, resent after revert, waiting, finalized, abandoned, contended
    batch: Batch | None = None


class AnchorService:
    def __init__(self, store: AnchorStore, ledger: LedgerClient, contracts: ContractHeads, *,
                 max_batch: int = 1000, confirmations: int = 1) -> None:
        self._store = store
        self._ledger = ledger
        self._contracts = contracts
        self._max_batch = max_batch
        self._confirmations = confirmations

    def run(self) -> list[Step]:
        """Advance until there is nothing to do now (idle, or waiting for the chain)."""
        steps: list[Step] = []
        for _ in range(MAX_STEPS):
            step = self.step()
            steps.append(step)
            if step.action in {"idle", "waiting", "sent", "resent after revert", "contended"}:
                break
        return steps

    def step(self) -> Step:
        open_batches = self._store.open_batches()
        if open_batches:
            return self._advance(open_batches[0])
        pending = self._store.pending(self._max_batch)
        if not pending:
            return Step("idle")
        batch = prepare(self._ledger.next_seq(), pending)
        try:
            self._store.create(batch)
        except WriteConflict:
            return Step("contended")  # another run prepared this range first
        return self._advance(batch)

    def _advance(self, batch: Batch) -> Step:
        anchored = self._ledger.anchor_of(bytes.fromhex(batch.root))
        if anchored is None:
            return self._send_or_wait(batch)
        if anchored.first_seq != batch.first_seq or anchored.count != batch.count:
            return Step("abandoned", self._store.mark(batch, ABANDONED))
        if batch.block_number != anchored.block_number:  # seen on chain (again, after a reorg)
            batch = self._store.mark(batch, batch.state, block_number=anchored.block_number)
        confirmations = self._ledger.block_number() - anchored.block_number + 1
        if confirmations < self._confirmations:
            return Step("waiting", batch)
        self._store.settle(batch)
        self._record_statuses(batch)  # before "final": a crash here is redone, not skipped
        # The chain's own log names the transaction: right even if a crash lost the hash we
        # sent, or if a resent transaction is the one that was mined.
        tx_hash = self._ledger.anchoring_tx(bytes.fromhex(batch.root), anchored.block_number)
        return Step("finalized", self._store.mark(batch, FINAL, tx_hash=tx_hash,
                                                  block_number=anchored.block_number))

    def _record_statuses(self, batch: Batch) -> None:
        """Status slots for contracts whose current head is in this batch and whose state is
        legally significant. A slot already at that point is refused as stale: done."""
        heads: dict[str, PendingEvent] = {}
        for event in batch.events:
            if event.stream.startswith("contract:"):
                heads[event.stream] = event  # events are in order: the last one wins
        for stream, head in heads.items():
            contract_id = stream.removeprefix("contract:")
            try:
                state = self._contracts.head_state(contract_id)
            except CorruptSnapshot:
                # Edited outside the API: its verification report says so. It must not stop
                # every other contract's events from being anchored.
                continue
            if state is None or state[1] != head.seq or state[0] not in SIGNIFICANT:
                continue  # moved on since (a later batch records it) or not significant
            try:
                self._ledger.send_status(contract_id, STATUS_CODES[state[0]], head.seq,
                                         bytes.fromhex(head.hash))
            except LedgerRejected as refusal:
                if refusal.error != "StaleStatus":
                    raise

    def _send_or_wait(self, batch: Batch) -> Step:
        if batch.first_seq != self._ledger.next_seq():
            # The range went to another root (or the batch is stale): its events stay queued.
            return Step("abandoned", self._store.mark(batch, ABANDONED))
        reverted = False
        if batch.state == SENT and batch.tx_hash:
            outcome = self._ledger.outcome(batch.tx_hash)
            if outcome is None and self._ledger.known(batch.tx_hash):
                return Step("waiting", batch)  # still pending in the mempool
            if outcome is not None and outcome.succeeded:
                return Step("waiting", batch)  # mined; the node's state will show it
            # Vanished (reorg, dropped), or mined and reverted (e.g. out of gas): send again.
            reverted = outcome is not None
        try:
            tx_hash = self._ledger.send_anchor(bytes.fromhex(batch.root), batch.first_seq,
                                               batch.last_seq, batch.count)
        except LedgerRejected as refusal:
            if refusal.error in {"AlreadyAnchored", "OutOfOrder"}:
                return Step("waiting", batch)  # the chain moved meanwhile: look again next run
            raise
        return Step("resent after revert" if reverted else "sent",
                    self._store.mark(batch, SENT, tx_hash=tx_hash))
