"""A training job as its runner sees it: take it, report each epoch, settle it.

Every step is conditional on the job's state, so two runners, a redelivered message or a stop
request racing an epoch report cannot count anything twice. Settling is exact: a completed or
stopped job is charged the epsilon its statement reports (never more than it reserved), a
failed one the epsilon of its last reported epoch (training that happened is spent, whether or
not a model came out), and the rest of the reservation goes back to the contract.

What the enclave reports is read strictly (types and ranges) before it is recorded: a report
or a result that does not read fails the job with the reason.

The contract is asked too (its standing: active, within its validity, no party suspended)
before a job starts, before every key is released to the enclave, at every epoch report and at
settlement. A contract that stopped allowing the job ends it: before training it is settled
with nothing spent, during training it stops at the next epoch report, charged the epsilon the
enclave attests for the epochs it ran, and its result is not recorded (the model is the
consumer's only if the job completed, or its consumer stopped it, while the contract allowed
it; cms.domain.standing.MODEL_KEEPING).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from cms.domain.canonical import iso_utc, utc_now
from cms.domain.errors import Conflict
from cms.domain.privacy import BudgetExceeded, epsilon, settlement
from cms.domain.standing import MODEL_KEEPING, Standing, StopCause, stronger
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
from cms_wire.training import Statement

MAX_ERROR_CHARS = 500
MAX_SETTLE_ATTEMPTS = 5  # each lost race is a stop request or a settlement: a few at most
Decision = tuple[JobStatus, Decimal, dict[str, Any]]


class TrainingRuns:
    """``standing``: a contract's standing now, by id (cms.services.stopping.ContractStandings)."""

    def __init__(self, budgets: BudgetStore, standing: Callable[[str], Standing],
                 clock: Callable[[], datetime] = utc_now) -> None:
        self._budgets = budgets
        self._standing = standing
        self._clock = clock

    def take(self, job_id: str, new_key: Callable[[], bytes]) -> TrainingJob | None:
        """The job to run (pending → running, with a fresh wrapped checkpoint key) or to
        resume (running); None if it is settled already (stopped while queued, say), or is
        cancelled now because its contract no longer allows it."""
        job = self._budgets.job(job_id)
        if job is None or not job.is_open:
            return None
        if job.status == JobStatus.PENDING:
            standing = self._standing(job.contract_id)
            # Taken, settled or asked to stop meanwhile: the fresh read below says which.
            with contextlib.suppress(WriteConflict):
                if standing.allows_work:
                    self._budgets.mark_running(job, new_key(), self._now())
                else:
                    self._budgets.settle(job, JobStatus.STOPPED, Decimal(0), self._now(),
                                         stop_cause=standing.cause,
                                         error=_why(standing))
            job = self._budgets.job(job_id)
        return job if job is not None and job.status == JobStatus.RUNNING else None

    def may_release(self, job: TrainingJob) -> bool:
        """Asked just before each key is released to the enclave for ``job``: True while the
        job runs, nobody asked it to stop and its contract allows it. Otherwise the job is
        settled now (stopped, charged what it reported, which is nothing for a job that has
        not trained yet) and no key may go out."""
        current = self._budgets.job(job.job_id)
        if current is None or current.status != JobStatus.RUNNING:
            return False
        standing = self._standing(current.contract_id)
        if standing.allows_work and not current.stop_requested:
            return True
        self._settle(job, lambda fresh: (JobStatus.STOPPED, self._reported(fresh),
                                         self._stop_fields(fresh, standing)))
        return False

    def report(self, job: TrainingJob, epoch: Any, checkpoint: str | None) -> bool:
        """Record an epoch; True to go on, False to stop: a stop was asked for, the contract
        no longer allows the job, the job was settled elsewhere, or the report does not read
        (the job then fails, charged what it reported before)."""
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
        if current is None or current.stop_requested:
            return False
        standing = self._standing(current.contract_id)
        if not standing.allows_work:
            # Recorded so that the settlement knows why, even if the contract's standing
            # comes back meanwhile (a suspension lifted).
            with contextlib.suppress(WriteConflict):
                self._budgets.request_stop(current, standing.cause, self._now())
            return False
        return True

    def withheld(self, job: TrainingJob) -> StopCause | None:
        """Why the job may not keep a model (None: it may): someone other than its consumer
        stopped it, or its contract no longer allows it. Asked before the model is stored;
        ``complete`` asks again as it settles."""
        current = self._budgets.job(job.job_id) or job
        cause = self._stop_fields(current, self._standing(current.contract_id)).get(
            "stop_cause")
        return None if cause in MODEL_KEEPING else cause

    def complete(self, job: TrainingJob, statement_json: Any, result: JobResult | None,
                 metrics: Any, *, withheld: StopCause | None = None) -> JobStatus:
        """Settle with the attested spend; a statement that does not read, names another job
        or contract, or spends beyond the reservation fails the job instead. The result is
        recorded only if the job may keep its model (nobody but its consumer stopped it and
        the contract still allows it); otherwise the job is stopped, charged the same
        (``result`` None with the ``withheld`` cause: the runner did not store the model).
        Returns the status it settled with."""
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
        return self._settle(job, lambda current: self._completion(
            current, statement, spent, result=result, final=final, withheld=withheld))

    def _completion(self, current: TrainingJob, statement: Statement, spent: Decimal, *,
                    result: JobResult | None, final: TrainingMetrics,
                    withheld: StopCause | None) -> Decision:
        standing = self._standing(current.contract_id)
        fields = self._stop_fields(current, standing)
        if withheld is not None:
            fields["stop_cause"] = stronger(fields.get("stop_cause"), withheld)
        if result is None or fields.get("stop_cause") not in MODEL_KEEPING:
            return JobStatus.STOPPED, spent, {**fields, "metrics": final}
        status = JobStatus.STOPPED if statement.stopped == "stopped" else JobStatus.COMPLETED
        return status, spent, {"result": result, "metrics": final}

    def fail(self, job: TrainingJob, reason: str) -> JobStatus:
        return self._settle(job, lambda current: (
            JobStatus.FAILED, self._reported(current), {"error": reason[:MAX_ERROR_CHARS]}))

    @staticmethod
    def _reported(job: TrainingJob) -> Decimal:
        """What a run that ends without a statement is charged: its last reported epoch."""
        reported = job.progress.epsilon_spent if job.progress else Decimal(0)
        return min(reported, job.privacy_budget)

    @staticmethod
    def _stop_fields(job: TrainingJob, standing: Standing) -> dict[str, Any]:
        """The stop cause a settlement records: the job's own (a stop asked before causes
        were recorded was its consumer's), or the contract's when it no longer allows it."""
        cause = job.stop_cause
        if cause is None and job.stop_requested:
            cause = StopCause.CONSUMER
        if not standing.allows_work and standing.cause is not None:
            cause = stronger(cause, standing.cause)
            if cause == standing.cause:
                return {"stop_cause": cause, "error": _why(standing)}
        return {"stop_cause": cause} if cause is not None else {}

    def _settle(self, job: TrainingJob, decide: Callable[[TrainingJob], Decision]
                ) -> JobStatus:
        """Settle the job as ``decide`` says from its fresh state; a lost condition (a stop
        request landed, or another runner settled it) is read and decided again. A job
        settled already keeps its first settlement (a redelivered message)."""
        for _ in range(MAX_SETTLE_ATTEMPTS):
            current = self._budgets.job(job.job_id)
            if current is None:
                return JobStatus.FAILED
            if not current.is_open:
                return current.status
            status, spent, fields = decide(current)
            try:
                self._budgets.settle(current, status, spent, self._now(), **fields)
                return status
            except WriteConflict:
                continue
        raise Conflict(f"job {job.job_id} kept changing while it was being settled")

    def _now(self) -> str:
        return iso_utc(self._clock())


def _why(standing: Standing) -> str:
    return f"stopped: {standing.reason}"[:MAX_ERROR_CHARS]
