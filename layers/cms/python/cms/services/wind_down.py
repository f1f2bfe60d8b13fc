"""Ending a contract ends what it allowed: the audit stream's consumer stops the training jobs
of a contract that left ``active`` (terminated, completed, expired) or whose party was
suspended.

Queued jobs are cancelled at once and their reservation returns to the contract; running jobs
are asked to stop, and their runner stops them at the next epoch report, charged the epochs
the enclave attests (cms.services.training_runs). It runs in the ``events`` function, whose
stream delivery retries a failed batch (bisected, up to 10 times, then a dead-letter queue):
every step here is conditional on the job as read, so a retry after failing halfway stops the
rest and changes nothing twice. Each event only says where to look: the contract's standing
is read again now, so a redelivered or out-of-order event (a suspension since lifted) stops
nothing that is allowed.

This is the prompt path, not the only one: runners ask the contract themselves before a job
starts, before each key release and at each epoch report, so a job the wind-down misses (the
jobs index is eventually consistent; a batch may end in the dead-letter queue) still never
trains under a contract that no longer allows it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from cms.domain.audit import AuditEvent
from cms.domain.canonical import utc_now
from cms.domain.contracts import Status
from cms.domain.contracts.listing import key_of_cursor
from cms.domain.errors import IllegalTransition
from cms.domain.identity import identity_stream
from cms.domain.lifecycle import CONTRACT_STREAM_PREFIX
from cms.ports.contracts import ContractStore
from cms.ports.training import BudgetStore
from cms.services.stopping import ContractStandings, stop_job

ENDING_EVENTS = frozenset({"contract.terminated", "contract.completed", "contract.expired"})
IDENTITY_STREAM_PREFIX = identity_stream("")
PAGE = 100


class WindDown:
    def __init__(self, budgets: BudgetStore, standings: ContractStandings,
                 contracts: ContractStore, clock: Callable[[], datetime] = utc_now) -> None:
        self._budgets = budgets
        self._standings = standings
        self._contracts = contracts
        self._clock = clock

    def on_events(self, events: Iterable[AuditEvent]) -> tuple[int, list[str]]:
        """Stop what each ending or suspension takes away. Returns how many jobs were
        stopped and the ids of events too malformed to act on (skipped, as the lifecycle
        skips them, so that one edited record cannot block the stream). Outages raise: the
        stream delivers the batch again."""
        stopped, skipped = 0, []
        for event in events:
            try:
                stopped += self._on_event(event)
            except (KeyError, TypeError, ValueError, AttributeError):
                skipped.append(event.event_id)
        return stopped, skipped

    def _on_event(self, event: AuditEvent) -> int:
        if event.event_type in ENDING_EVENTS and event.stream.startswith(
                CONTRACT_STREAM_PREFIX):
            return self.contract(event.stream.removeprefix(CONTRACT_STREAM_PREFIX))
        if (event.event_type == "identity.updated" and "status" in event.data["changes"]
                and event.stream.startswith(IDENTITY_STREAM_PREFIX)):
            return self.party(event.stream.removeprefix(IDENTITY_STREAM_PREFIX))
        return 0

    def contract(self, contract_id: str) -> int:
        """Stop the open jobs of the contract if it no longer allows them; how many."""
        standing = self._standings.of(contract_id)
        if standing.cause is None:
            return 0
        stopped = 0
        for job in self._budgets.open_jobs_of(contract_id):
            try:
                stop_job(self._budgets, job, standing.cause, self._clock)
                stopped += 1
            except IllegalTransition:  # settled meanwhile (its runner finished it)
                continue
        return stopped

    def party(self, did: str) -> int:
        """Wind down every active contract of ``did`` that no longer allows work (the
        identity is suspended now, not merely at the time of the event)."""
        stopped, before = 0, None
        while True:
            page = self._contracts.list_for_party(did, None, Status.ACTIVE.value, before, PAGE)
            for contract in page.items:
                stopped += self.contract(contract.id)
            if page.next_cursor is None:
                return stopped
            before = key_of_cursor(page.next_cursor)
