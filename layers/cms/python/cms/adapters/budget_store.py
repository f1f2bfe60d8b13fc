"""Privacy budgets and training jobs in DynamoDB, changed together.

A reservation is one transaction: the budget's ``available`` goes down by the request on the
condition that it stays non-negative, and the job is written. Concurrent requests therefore
cannot over-commit the budget, whatever their interleaving. Settling a job (completed, failed,
stopped) moves its reservation to ``spent`` and releases the rest, on the condition that the
job is still open: a retried settlement counts nothing twice.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pynamodb.exceptions import PutError

from cms.adapters.dynamo import (
    get_or_none,
    is_lost_condition,
    transaction,
    unavailable_on_connection_errors,
)
from cms.adapters.tables import PrivacyBudgetRecord, TrainingJobRecord
from cms.domain.privacy import Budget

OPEN = ("pending", "running")


class BudgetStore:
    def open_budget(self, contract_id: str, total: Decimal, now: str) -> None:
        """Create the contract's budget the first time a job asks (no-op afterwards)."""
        record = PrivacyBudgetRecord(contract_id, total=total, spent=Decimal(0),
                                     reserved=Decimal(0), available=total, updated_at=now)
        try:
            unavailable_on_connection_errors(lambda: record.save(
                condition=PrivacyBudgetRecord.contract_id.does_not_exist()))
        except PutError as error:  # already open: the normal case after the first job
            if not is_lost_condition(error):
                raise

    def budget(self, contract_id: str) -> Budget | None:
        record = self._budget(contract_id)
        return None if record is None else Budget(record.total, record.spent, record.reserved)

    def reserve(self, job: TrainingJobRecord, amount: Decimal, now: str) -> None:
        """WriteConflict if ``amount`` is more than what is available."""
        budget = PrivacyBudgetRecord(job.contract_id)
        with transaction() as tx:
            tx.update(budget, actions=[
                PrivacyBudgetRecord.available.add(-amount),
                PrivacyBudgetRecord.reserved.add(amount),
                PrivacyBudgetRecord.updated_at.set(now)],
                condition=PrivacyBudgetRecord.available >= amount)
            tx.save(job, condition=TrainingJobRecord.job_id.does_not_exist())

    def settle(self, job: TrainingJobRecord, status: str, spent: Decimal, now: str,
               **fields: object) -> None:
        """Close an open job: its reservation becomes ``spent`` and the rest is released.
        WriteConflict if the job is no longer open (settled already)."""
        released = job.privacy_budget - spent
        budget = PrivacyBudgetRecord(job.contract_id)
        with transaction() as tx:
            tx.update(budget, actions=[
                PrivacyBudgetRecord.reserved.add(-job.privacy_budget),
                PrivacyBudgetRecord.spent.add(spent),
                PrivacyBudgetRecord.available.add(released),
                PrivacyBudgetRecord.updated_at.set(now)])
            tx.update(TrainingJobRecord(job.job_id), actions=[
                TrainingJobRecord.status.set(status),
                TrainingJobRecord.privacy_budget_spent.set(spent),
                TrainingJobRecord.updated_at.set(now),
                TrainingJobRecord.completed_at.set(now),
                *[getattr(TrainingJobRecord, name).set(value) for name, value in fields.items()]],
                condition=TrainingJobRecord.status.is_in(*OPEN))

    def mark_running(self, job: TrainingJobRecord, checkpoint_key: bytes, now: str) -> None:
        """pending → running with the job's wrapped checkpoint key; WriteConflict if the job
        is no longer pending (another runner took it, or it was stopped)."""
        self._update(job, [TrainingJobRecord.status.set("running"),
                           TrainingJobRecord.checkpoint_key.set(checkpoint_key),
                           TrainingJobRecord.updated_at.set(now)],
                     TrainingJobRecord.status == "pending")

    def record_progress(self, job: TrainingJobRecord, progress: dict[str, Any],
                        metrics: dict[str, Any], now: str) -> None:
        """The last epoch's report; WriteConflict unless the job is running."""
        self._update(job, [TrainingJobRecord.progress.set(progress),
                           TrainingJobRecord.metrics.set(metrics),
                           TrainingJobRecord.updated_at.set(now)],
                     TrainingJobRecord.status == "running")

    def request_stop(self, job: TrainingJobRecord, now: str) -> None:
        """Ask the runner to stop after the current epoch; WriteConflict unless running."""
        self._update(job, [TrainingJobRecord.stop_requested.set(True),
                           TrainingJobRecord.updated_at.set(now)],
                     TrainingJobRecord.status == "running")

    def _update(self, job: TrainingJobRecord, actions: list[Any], condition: Any) -> None:
        with transaction() as tx:
            tx.update(TrainingJobRecord(job.job_id), actions=actions, condition=condition)

    def job(self, job_id: str) -> TrainingJobRecord | None:
        return get_or_none(TrainingJobRecord, job_id)

    def jobs_of(self, contract_id: str, limit: int = 100) -> list[TrainingJobRecord]:
        return unavailable_on_connection_errors(lambda: list(
            TrainingJobRecord.by_contract.query(contract_id, scan_index_forward=False,
                                                limit=limit)))

    def _budget(self, contract_id: str) -> PrivacyBudgetRecord | None:
        return get_or_none(PrivacyBudgetRecord, contract_id)

