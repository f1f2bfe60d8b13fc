"""A training job as its runner sees it: take it, report each epoch, settle it.

Every step is conditional on the job's state, so two runners, a redelivered message or a stop
request racing an epoch report cannot count anything twice. Settling is exact: a completed or
stopped job is charged the epsilon its statement reports (never more than it reserved), a
failed one the epsilon of its last reported epoch (training that happened is spent, whether or
not a model came out), and the rest of the reservation goes back to the contract.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from cms.adapters.budget_store import OPEN, BudgetStore
from cms.adapters.dynamo import WriteConflict
from cms.adapters.tables import TrainingJobRecord
from cms.domain.canonical import iso_utc, utc_now
from cms.domain.privacy import BudgetExceeded, epsilon, settlement
from cms.domain.training_result import Statement

MAX_ERROR_CHARS = 500


class TrainingRuns:
    def __init__(self, budgets: BudgetStore, clock: Callable[[], datetime] = utc_now) -> None:
        self._budgets = budgets
        self._clock = clock

    def take(self, job_id: str, new_key: Callable[[], bytes]) -> TrainingJobRecord | None:
        """The job to run (pending → running, with a fresh wrapped checkpoint key) or to
        resume (running); None if it is settled already (stopped while queued, say)."""
        job = self._budgets.job(job_id)
        if job is None or job.status not in OPEN:
            return None
        if job.status == "pending":
            # Taken or settled meanwhile: the fresh read below says which.
            with contextlib.suppress(WriteConflict):
                self._budgets.mark_running(job, new_key(), self._now())
            job = self._budgets.job(job_id)
        return job if job is not None and job.status == "running" else None

    def report(self, job: TrainingJobRecord, epoch: dict[str, Any],
               checkpoint: str | None) -> bool:
        """Record an epoch; True to go on, False if a stop was asked for (or the job was
        settled elsewhere)."""
        spent = epsilon(epoch.get("epsilon") or 0)
        progress = {"epoch": int(epoch["epoch"]), "epsilon_spent": str(spent),
                    "checkpoint": checkpoint}
        history = [*((job.metrics or {}).get("epochs") or []), epoch]
        try:
            self._budgets.record_progress(job, progress, {"epochs": history}, self._now())
        except WriteConflict:
            return False
        job.progress, job.metrics = progress, {"epochs": history}
        current = self._budgets.job(job.job_id)
        return current is not None and not current.stop_requested

    def complete(self, job: TrainingJobRecord, statement: Statement, result: dict[str, Any],
                 metrics: dict[str, Any]) -> str:
        """Settle with the attested spend; a statement for another job or contract, or over
        the reservation, fails the job instead. Returns the status it settled with."""
        if (statement.job_id, statement.contract_id) != (job.job_id, job.contract_id):
            return self.fail(job, "the enclave's statement names another job or contract")
        if statement.epochs == 0:
            return self.fail(job, f"epsilon {job.privacy_budget} does not cover one epoch at "
                                  "this noise level: ask for more epsilon, fewer epochs or "
                                  "let the noise be calibrated (no noise_multiplier)")
        try:
            spent, _ = settlement(job.privacy_budget, statement.epsilon_spent)
        except (BudgetExceeded, ValueError) as error:
            return self.fail(job, f"the enclave's statement is unusable: {error}")
        status = "stopped" if statement.stopped == "stopped" else "completed"
        self._settle(job, status, spent, result=result, metrics=metrics)
        return status

    def fail(self, job: TrainingJobRecord, reason: str) -> str:
        self._settle(job, "failed", self._spent_so_far(job), error=reason[:MAX_ERROR_CHARS])
        return "failed"

    def _spent_so_far(self, job: TrainingJobRecord) -> Decimal:
        reported = (job.progress or {}).get("epsilon_spent")
        return min(epsilon(reported), job.privacy_budget) if reported else Decimal(0)

    def _settle(self, job: TrainingJobRecord, status: str, spent: Decimal,
                **fields: object) -> None:
        # Settled already (a redelivered message): the first settlement stands.
        with contextlib.suppress(WriteConflict):
            self._budgets.settle(job, status, spent, self._now(), **fields)

    def _now(self) -> str:
        return iso_utc(self._clock())
