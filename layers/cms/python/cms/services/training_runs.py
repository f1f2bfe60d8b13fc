"""A training job as its runner sees it: take it, report each epoch, settle it.

Every step is conditional on the job's state, so two runners, a redelivered message or a stop
request racing an epoch report cannot count anything twice. Settling is exact: a completed or
stopped job is charged the epsilon its statement reports (never more than it reserved), a
failed one the epsilon of its last reported epoch (training that happened is spent, whether or
not a model came out), and the rest of the reservation goes back to the contract.

What the enclave reports is read strictly (types and ranges) before it is recorded: a report
or a result that does not read fails the job with the reason.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from cms.domain.canonical import iso_utc, utc_now
from cms.domain.privacy import BudgetExceeded, epsilon, settlement
from cms.domain.training_jobs import (
    JobProgress,
    JobResult,
    JobStatus,
    TrainingJob,
    TrainingMetrics,
    checked_statement,
)
from cms.ports.errors import WriteConflict
from cms.ports.training import BudgetStore

MAX_ERROR_CHARS = 500


class TrainingRuns:
    def __init__(self, budgets: BudgetStore, clock: Callable[[], datetime] = utc_now) -> None:
        self._budgets = budgets
        self._clock = clock

    def take(self, job_id: str, new_key: Callable[[], bytes]) -> TrainingJob | None:
        """The job to run (pending → running, with a fresh wrapped checkpoint key) or to
        resume (running); None if it is settled already (stopped while queued, say)."""
        job = self._budgets.job(job_id)
        if job is None or not job.is_open:
            return None
        if job.status == JobStatus.PENDING:
            # Taken or settled meanwhile: the fresh read below says which.
            with contextlib.suppress(WriteConflict):
                self._budgets.mark_running(job, new_key(), self._now())
            job = self._budgets.job(job_id)
        return job if job is not None and job.status == JobStatus.RUNNING else None

    def report(self, job: TrainingJob, epoch: Any, checkpoint: str | None) -> bool:
        """Record an epoch; True to go on, False to stop: a stop was asked for, the job was
        settled elsewhere, or the report does not read (the job then fails, charged what it
        reported before)."""
        recorded = self._budgets.job(job.job_id) or job
        history = recorded.metrics.epochs if recorded.metrics else ()
        try:
            metrics = TrainingMetrics.from_json(
                {"epochs": [*(report.to_json() for report in history), epoch]})
            reported = metrics.epochs[-1]
            progress = JobProgress(reported.epoch, epsilon(reported.epsilon or 0), checkpoint)
        except ValueError as error:
            self.fail(job, f"the enclave's epoch report is unusable: {error}")
            return False
        try:
            self._budgets.record_progress(job, progress, metrics, self._now())
        except WriteConflict:
            return False
        current = self._budgets.job(job.job_id)
        return current is not None and not current.stop_requested

    def complete(self, job: TrainingJob, statement_json: Any, result: JobResult,
                 metrics: Any) -> JobStatus:
        """Settle with the attested spend; a statement that does not read, names another job
        or contract, or spends beyond the reservation fails the job instead. Returns the
        status it settled with."""
        try:
            statement = checked_statement(statement_json)
            final = TrainingMetrics.from_json(metrics or {})
        except ValueError as error:
            return self.fail(job, f"the enclave's result is unusable: {error}")
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
        status = JobStatus.STOPPED if statement.stopped == "stopped" else JobStatus.COMPLETED
        self._settle(job, status, spent, result=result, metrics=final)
        return status

    def fail(self, job: TrainingJob, reason: str) -> JobStatus:
        self._settle(job, JobStatus.FAILED, self._spent_so_far(job),
                     error=reason[:MAX_ERROR_CHARS])
        return JobStatus.FAILED

    def _spent_so_far(self, job: TrainingJob) -> Decimal:
        current = self._budgets.job(job.job_id) or job  # the last report may be newer
        reported = current.progress.epsilon_spent if current.progress else Decimal(0)
        return min(reported, job.privacy_budget)

    def _settle(self, job: TrainingJob, status: JobStatus, spent: Decimal,
                **fields: Any) -> None:
        # Settled already (a redelivered message): the first settlement stands.
        with contextlib.suppress(WriteConflict):
            self._budgets.settle(job, status, spent, self._now(), **fields)

    def _now(self) -> str:
        return iso_utc(self._clock())
