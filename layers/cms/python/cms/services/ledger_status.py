"""``GET /api/v1/ledger/status``: is anchoring healthy? Reports what it can even when the
chain or its configuration is not there (that is exactly when an operator asks)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import overload

from cms.domain.anchoring import Batch
from cms.domain.canonical import parse_iso, utc_now
from cms.domain.errors import DomainError
from cms.ports.ledger import AnchoringProgress, ConfirmedBatch, LedgerConnection

PENDING_COUNT_LIMIT = 1000  # counting further would cost a read per event on every call


@dataclass(frozen=True)
class Unanchored:
    count: int
    count_capped: bool  # there may be more than ``count``
    oldest_at: str | None
    age_s: float  # of the oldest; 0 when none waits


@dataclass(frozen=True)
class FinalBatch:
    first_seq: int
    last_seq: int
    count: int
    root: str
    tx_hash: str | None
    block_number: int | None


@dataclass(frozen=True)
class BatchTiming:
    """A confirmed batch and how long anchoring took: ``lag_s`` is from its oldest event's
    writing to the batch's confirmation (what the lag alarm watches), None if unknown."""

    batch: FinalBatch
    prepared_at: str
    confirmed_at: str
    oldest_event_at: str | None
    lag_s: float | None

    def flat(self) -> dict[str, object]:
        """The batch's fields and its times in one mapping, as the API lists them."""
        times = asdict(self)
        return {**times.pop("batch"), **times}


@dataclass(frozen=True)
class StatusProblem:
    code: str
    detail: str


@dataclass(frozen=True)
class LedgerStatus:
    configured: bool
    reachable: bool
    unanchored: Unanchored
    last_batch: FinalBatch | None
    chain_id: int | None = None
    ledger_address: str | None = None
    signer_address: str | None = None
    confirmations_required: int | None = None
    signer_balance_wei: int | None = None
    next_seq: int | None = None
    block_number: int | None = None
    problem: StatusProblem | None = None
    min_signer_balance_wei: int | None = None  # below it the health check degrades


class LedgerStatusService:
    def __init__(self, progress: AnchoringProgress, ledger: Callable[[], LedgerConnection],
                 clock: Callable[[], datetime] = utc_now, *,
                 min_signer_balance_wei: int | None = None) -> None:
        self._progress = progress
        self._ledger = ledger  # built per call: the configuration may be what is wrong
        self._clock = clock
        self._min_balance = min_signer_balance_wei

    def status(self) -> LedgerStatus:
        report = LedgerStatus(configured=False, reachable=False,
                              unanchored=self._unanchored(),
                              last_batch=_final(self._progress.last_final()),
                              min_signer_balance_wei=self._min_balance)
        try:
            client = self._ledger()
            report = replace(report, configured=True, chain_id=client.config.chain_id,
                             ledger_address=client.config.address,
                             signer_address=client.signer.address,
                             confirmations_required=client.config.confirmations)
            client.check()
            return replace(report, reachable=True, signer_balance_wei=client.balance(),
                           next_seq=client.next_seq(), block_number=client.block_number())
        except DomainError as error:
            configured = report.configured or error.code != "ledger_misconfigured"
            return replace(report, configured=configured,
                           problem=StatusProblem(error.code, error.detail))

    def recent_batches(self, limit: int) -> list[BatchTiming]:
        """The most recent confirmed batches, newest first, with their anchoring lag."""
        return [_timing(confirmed) for confirmed in self._progress.recent_final(limit)]

    def _unanchored(self) -> Unanchored:
        count, oldest = self._progress.pending_count_and_oldest(PENDING_COUNT_LIMIT)
        age = (self._clock() - parse_iso(oldest)).total_seconds() if oldest else 0.0
        return Unanchored(count, count >= PENDING_COUNT_LIMIT, oldest,
                          round(max(age, 0.0), 1))  # a clock behind the writer's: not negative


@overload
def _final(batch: Batch) -> FinalBatch: ...
@overload
def _final(batch: None) -> None: ...
def _final(batch: Batch | None) -> FinalBatch | None:
    if batch is None:
        return None
    return FinalBatch(batch.first_seq, batch.last_seq, batch.count, batch.root, batch.tx_hash,
                      batch.block_number)


def _timing(confirmed: ConfirmedBatch) -> BatchTiming:
    batch, oldest = confirmed.batch, confirmed.oldest_event_at
    lag = None if oldest is None else round(max(
        (parse_iso(confirmed.confirmed_at) - parse_iso(oldest)).total_seconds(), 0.0), 1)
    return BatchTiming(_final(batch), confirmed.prepared_at, confirmed.confirmed_at, oldest,
                       lag)
