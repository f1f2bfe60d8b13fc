"""Privacy budgets and training jobs in DynamoDB, changed together (the port:
cms.ports.training.BudgetStore).

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
from cms.domain.standing import MODEL_KEEPING, StopCause
from cms.domain.training_jobs import (
    OPEN,
    JobProgress,
    JobResult,
    JobStatus,
    TrainingJob,
    TrainingMetrics,
)
from cms.domain.training_settings import TrainingSettings
from cms.ports.training import JobKey


class DynamoBudgetStore:
    def open_budget(self, contract_id: str, total: Decimal, now: str) -> None:
        record = PrivacyBudgetRecord(contract_id, total=total, spent=Decimal(0),
                                     reserved=Decimal(0), available=total, updated_at=now)
        try:
            unavailable_on_connection_errors(lambda: record.save(
                condition=PrivacyBudgetRecord.contract_id.does_not_exist()))
        except PutError as error:  # already open: the normal case after the first job
            if not is_lost_condition(error):
                raise

    def budget(self, contract_id: str) -> Budget | None:
        record = get_or_none(PrivacyBudgetRecord, contract_id)
        return None if record is None else Budget(record.total, record.spent, record.reserved)

    def reserve(self, job: TrainingJob, now: str) -> None:
        amount = job.privacy_budget
        with transaction() as tx:
            tx.update(PrivacyBudgetRecord(job.contract_id), actions=[
                PrivacyBudgetRecord.available.add(-amount),
                PrivacyBudgetRecord.reserved.add(amount),
                PrivacyBudgetRecord.updated_at.set(now)],
                condition=PrivacyBudgetRecord.available >= amount)
            tx.save(_record(job), condition=TrainingJobRecord.job_id.does_not_exist())

    def settle(self, job: TrainingJob, status: JobStatus, spent: Decimal, now: str, *,
               result: JobResult | None = None, metrics: TrainingMetrics | None = None,
               error: str | None = None, stop_cause: StopCause | None = None) -> None:
        released = job.privacy_budget - spent
        fields: list[Any] = []
        if result is not None:
            fields.append(TrainingJobRecord.result.set(result.to_json()))
        if metrics is not None:
            fields.append(TrainingJobRecord.metrics.set(metrics.to_json()))
        if error is not None:
            fields.append(TrainingJobRecord.error.set(error))
        if stop_cause is not None:
            fields.append(TrainingJobRecord.stop_cause.set(stop_cause.value))
        with transaction() as tx:
            tx.update(PrivacyBudgetRecord(job.contract_id), actions=[
                PrivacyBudgetRecord.reserved.add(-job.privacy_budget),
                PrivacyBudgetRecord.spent.add(spent),
                PrivacyBudgetRecord.available.add(released),
                PrivacyBudgetRecord.updated_at.set(now)])
            tx.update(TrainingJobRecord(job.job_id), actions=[
                TrainingJobRecord.status.set(status.value),
                TrainingJobRecord.privacy_budget_spent.set(spent),
                TrainingJobRecord.updated_at.set(now),
                TrainingJobRecord.completed_at.set(now), *fields],
                condition=_as_read(job))

    def mark_running(self, job: TrainingJob, checkpoint_key: bytes, now: str) -> None:
        self._update(job, [TrainingJobRecord.status.set(JobStatus.RUNNING.value),
                           TrainingJobRecord.checkpoint_key.set(checkpoint_key),
                           TrainingJobRecord.updated_at.set(now)],
                     TrainingJobRecord.status == JobStatus.PENDING.value)

    def record_progress(self, job: TrainingJob, progress: JobProgress,
                        metrics: TrainingMetrics, now: str) -> None:
        self._update(job, [TrainingJobRecord.progress.set(progress.to_json()),
                           TrainingJobRecord.metrics.set(metrics.to_json()),
                           TrainingJobRecord.updated_at.set(now)],
                     TrainingJobRecord.status == JobStatus.RUNNING.value)

    def request_stop(self, job: TrainingJob, cause: StopCause, now: str) -> None:
        yields = TrainingJobRecord.stop_cause.does_not_exist()
        if cause not in MODEL_KEEPING:  # a consumer's own stop gives way to this one
            yields |= TrainingJobRecord.stop_cause.is_in(*(
                kept.value for kept in MODEL_KEEPING if kept is not None))
        self._update(job, [TrainingJobRecord.stop_requested.set(True),
                           TrainingJobRecord.stop_cause.set(cause.value),
                           TrainingJobRecord.updated_at.set(now)],
                     (TrainingJobRecord.status == JobStatus.RUNNING.value) & yields)

    def _update(self, job: TrainingJob, actions: list[Any], condition: Any) -> None:
        with transaction() as tx:
            tx.update(TrainingJobRecord(job.job_id), actions=actions, condition=condition)

    def job(self, job_id: str) -> TrainingJob | None:
        record = get_or_none(TrainingJobRecord, job_id)
        return None if record is None else _job(record)

    def jobs_of(self, contract_id: str, limit: int = 100) -> list[TrainingJob]:
        return unavailable_on_connection_errors(lambda: [_job(record) for record in
            TrainingJobRecord.by_contract.query(contract_id, scan_index_forward=False,
                                                limit=limit)])

    def jobs_by(self, key: JobKey, value: str, *, before: str | None,
                limit: int) -> list[TrainingJob]:
        index = {"consumer": TrainingJobRecord.by_consumer,
                 "provider": TrainingJobRecord.by_provider,
                 "contract": TrainingJobRecord.by_contract}[key]
        below = None if before is None else TrainingJobRecord.created_key < before
        return unavailable_on_connection_errors(lambda: [_job(record) for record in
            index.query(value, range_key_condition=below, scan_index_forward=False,
                        limit=limit)])

    def open_jobs_of(self, contract_id: str) -> list[TrainingJob]:
        # Every page of the index (the iterator follows LastEvaluatedKey); the filter keeps
        # what is still open. The index is eventually consistent: a job written a moment ago
        # may be missing, which is why runners check the contract themselves too.
        return unavailable_on_connection_errors(lambda: [_job(record) for record in
            TrainingJobRecord.by_contract.query(
                contract_id, filter_condition=TrainingJobRecord.status.is_in(*OPEN))])


def _as_read(job: TrainingJob) -> Any:
    """The job is open and still in the state the caller read: its status, its stop cause."""
    cause = (TrainingJobRecord.stop_cause.does_not_exist() if job.stop_cause is None
             else TrainingJobRecord.stop_cause == job.stop_cause.value)
    return (TrainingJobRecord.status.is_in(*OPEN)
            & (TrainingJobRecord.status == job.status.value) & cause)


def _record(job: TrainingJob) -> TrainingJobRecord:
    """A new job's item (reserve writes it; later changes update single attributes)."""
    return TrainingJobRecord(
        job.job_id, contract_id=job.contract_id, consumer_did=job.consumer_did,
        provider_did=job.provider_did,
        model_name=job.model_name, status=job.status.value, config=job.settings.to_json(),
        privacy_budget=job.privacy_budget, privacy_budget_spent=job.privacy_budget_spent,
        created_at=job.created_at, created_key=f"{job.created_at}#{job.job_id}",
        updated_at=job.updated_at)


def _job(record: TrainingJobRecord) -> TrainingJob:
    return TrainingJob(
        job_id=record.job_id, contract_id=record.contract_id,
        consumer_did=record.consumer_did, provider_did=record.provider_did,
        model_name=record.model_name,
        status=JobStatus(record.status), settings=TrainingSettings.from_json(record.config),
        privacy_budget=record.privacy_budget,
        privacy_budget_spent=record.privacy_budget_spent, created_at=record.created_at,
        updated_at=record.updated_at,
        metrics=TrainingMetrics.from_json(record.metrics) if record.metrics else None,
        result=JobResult.from_json(record.result) if record.result else None,
        progress=JobProgress.from_json(record.progress) if record.progress else None,
        stop_requested=bool(record.stop_requested), error=record.error,
        completed_at=record.completed_at, checkpoint_key=record.checkpoint_key,
        stop_cause=StopCause(record.stop_cause) if record.stop_cause else None)
