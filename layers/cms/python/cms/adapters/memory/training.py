"""Privacy budgets with their jobs in memory (the port: cms.ports.training.BudgetStore).

Every change checks its condition and applies under the database's lock, so a reservation,
a settlement and a job's state change are atomic here as DynamoDB transactions are there.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from cms.adapters.memory.database import MemoryDatabase
from cms.domain.privacy import Budget
from cms.domain.standing import MODEL_KEEPING, StopCause
from cms.domain.training_jobs import (
    JobProgress,
    JobResult,
    JobStatus,
    TrainingJob,
    TrainingMetrics,
    listing_key,
)
from cms.ports.errors import WriteConflict
from cms.ports.training import JobKey


class MemoryBudgetStore:
    def __init__(self, database: MemoryDatabase) -> None:
        self._db = database
        self._budgets: dict[str, Budget] = {}
        self._jobs: dict[str, TrainingJob] = {}

    def open_budget(self, contract_id: str, total: Decimal, now: str) -> None:
        with self._db.lock:
            self._budgets.setdefault(contract_id, Budget(total, Decimal(0), Decimal(0)))

    def budget(self, contract_id: str) -> Budget | None:
        with self._db.lock:
            return self._budgets.get(contract_id)

    def reserve(self, job: TrainingJob, now: str) -> None:
        with self._db.lock:
            budget = self._budgets.get(job.contract_id)
            if budget is None or budget.available < job.privacy_budget:
                raise WriteConflict(f"{job.privacy_budget} is not available")
            if job.job_id in self._jobs:
                raise WriteConflict(f"job {job.job_id} exists")
            self._budgets[job.contract_id] = replace(
                budget, reserved=budget.reserved + job.privacy_budget)
            self._jobs[job.job_id] = job

    def settle(self, job: TrainingJob, status: JobStatus, spent: Decimal, now: str, *,
               result: JobResult | None = None, metrics: TrainingMetrics | None = None,
               error: str | None = None, stop_cause: StopCause | None = None) -> None:
        with self._db.lock:
            current = self._as_read(job)
            budget = self._budgets[job.contract_id]
            self._budgets[job.contract_id] = replace(
                budget, spent=budget.spent + spent,
                reserved=budget.reserved - job.privacy_budget)
            self._jobs[job.job_id] = replace(
                current, status=status, privacy_budget_spent=spent, updated_at=now,
                completed_at=now, result=result or current.result,
                metrics=metrics or current.metrics, error=error or current.error,
                stop_cause=stop_cause or current.stop_cause)

    def mark_running(self, job: TrainingJob, checkpoint_key: bytes, now: str) -> None:
        self._change(job, JobStatus.PENDING, status=JobStatus.RUNNING,
                     checkpoint_key=checkpoint_key, updated_at=now)

    def record_progress(self, job: TrainingJob, progress: JobProgress,
                        metrics: TrainingMetrics, now: str) -> None:
        self._change(job, JobStatus.RUNNING, progress=progress, metrics=metrics,
                     updated_at=now)

    def request_stop(self, job: TrainingJob, cause: StopCause, now: str) -> None:
        with self._db.lock:
            current = self._jobs.get(job.job_id)
            if current is None or current.status != JobStatus.RUNNING:
                raise WriteConflict(f"job {job.job_id} is not running")
            if current.stop_cause is not None and (current.stop_cause not in MODEL_KEEPING
                                                   or cause in MODEL_KEEPING):
                raise WriteConflict(f"job {job.job_id} is stopping already")
            self._jobs[job.job_id] = replace(current, stop_requested=True, stop_cause=cause,
                                             updated_at=now)

    def job(self, job_id: str) -> TrainingJob | None:
        with self._db.lock:
            return self._jobs.get(job_id)

    def jobs_of(self, contract_id: str, limit: int = 100) -> list[TrainingJob]:
        with self._db.lock:
            jobs = [job for job in self._jobs.values() if job.contract_id == contract_id]
        jobs.sort(key=lambda job: (job.created_at, job.job_id), reverse=True)
        return jobs[:limit]

    def jobs_by(self, key: JobKey, value: str, *, before: str | None,
                limit: int) -> list[TrainingJob]:
        attribute = {"consumer": "consumer_did", "provider": "provider_did",
                     "contract": "contract_id"}[key]
        with self._db.lock:
            jobs = [job for job in self._jobs.values()
                    if getattr(job, attribute) == value
                    and (before is None or listing_key(job) < before)]
        jobs.sort(key=listing_key, reverse=True)
        return jobs[:limit]

    def open_jobs_of(self, contract_id: str) -> list[TrainingJob]:
        with self._db.lock:
            return [job for job in self._jobs.values()
                    if job.contract_id == contract_id and job.is_open]

    def _as_read(self, job: TrainingJob) -> TrainingJob:
        """The stored job, if it is open and still as the caller read it."""
        current = self._jobs.get(job.job_id)
        if (current is None or not current.is_open or current.status != job.status
                or current.stop_cause != job.stop_cause):
            raise WriteConflict(f"job {job.job_id} is no longer {job.status.value}")
        return current

    def _change(self, job: TrainingJob, expected: JobStatus, **changes: object) -> None:
        with self._db.lock:
            current = self._jobs.get(job.job_id)
            if current is None or current.status != expected:
                raise WriteConflict(f"job {job.job_id} is not {expected.value}")
            self._jobs[job.job_id] = replace(current, **changes)  # type: ignore[arg-type]
