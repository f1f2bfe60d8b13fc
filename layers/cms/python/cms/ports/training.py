"""Training: contracts' privacy budgets with their jobs."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, Protocol

from cms.domain.privacy import Budget
from cms.domain.standing import StopCause
from cms.domain.training_jobs import (
    JobProgress,
    JobResult,
    JobStatus,
    TrainingJob,
    TrainingMetrics,
)

JobKey = Literal["consumer", "provider", "contract"]


class BudgetStore(Protocol):
    """Contracts' privacy budgets and their training jobs, changed together. Conditional
    changes raise ``WriteConflict`` (cms.ports.errors) when their condition does not hold."""

    def open_budget(self, contract_id: str, total: Decimal, now: str) -> None:
        """Create the contract's budget the first time a job asks (no-op afterwards: the
        first total stands)."""

    def budget(self, contract_id: str) -> Budget | None: ...

    def reserve(self, job: TrainingJob, now: str) -> None:
        """Write the new job and reserve its ``privacy_budget`` in one atomic change, only if
        that much is available (WriteConflict otherwise, and nothing is written): concurrent
        reservations never over-commit the budget."""

    def settle(self, job: TrainingJob, status: JobStatus, spent: Decimal, now: str, *,
               result: JobResult | None = None, metrics: TrainingMetrics | None = None,
               error: str | None = None, stop_cause: StopCause | None = None) -> None:
        """Close an open job atomically with its budget: ``spent`` (at most its reservation)
        becomes spent, the rest of the reservation is released. Only if the job is still as
        the caller read it (``job.status`` and ``job.stop_cause``), WriteConflict otherwise:
        a retried settlement counts nothing twice, a pending job's cancellation cannot close
        a job a runner took meanwhile (whose training would then be free), and a runner's
        settlement cannot miss a stop that arrived after it decided."""

    def mark_running(self, job: TrainingJob, checkpoint_key: bytes, now: str) -> None:
        """pending → running with the job's wrapped checkpoint key; WriteConflict unless
        pending (another runner took it, or it was stopped)."""

    def record_progress(self, job: TrainingJob, progress: JobProgress,
                        metrics: TrainingMetrics, now: str) -> None:
        """The last epoch's report; WriteConflict unless running."""

    def request_stop(self, job: TrainingJob, cause: StopCause, now: str) -> None:
        """Ask the runner to stop after its current epoch, for ``cause``; WriteConflict unless
        running and either not asked yet or asked by its consumer only, with another cause
        now (cms.domain.standing.stronger: the first cause that takes the model stands)."""

    def job(self, job_id: str) -> TrainingJob | None: ...

    def jobs_of(self, contract_id: str, limit: int = 100) -> list[TrainingJob]:
        """The contract's jobs, newest first."""

    def jobs_by(self, key: JobKey, value: str, *, before: str | None,
                limit: int) -> list[TrainingJob]:
        """Up to ``limit`` jobs whose consumer, provider or contract is ``value``, newest
        first, each below the listing key ``before`` ("<created_at>#<job id>") if given: one
        bounded read of an index."""

    def open_jobs_of(self, contract_id: str) -> list[TrainingJob]:
        """Every pending or running job of the contract, however many."""
