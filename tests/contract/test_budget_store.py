"""The budget store: atomic reservations that never over-commit, settlement exactly once, and
each job's state changes conditional on its state."""

from __future__ import annotations

import threading
import uuid
from dataclasses import replace
from decimal import Decimal

import pytest

from cms.domain.standing import StopCause
from cms.domain.training_jobs import (
    EpochReport,
    JobProgress,
    JobResult,
    JobStatus,
    ModelFile,
    TrainingJob,
    TrainingMetrics,
)
from cms.domain.training_settings import TrainingSettings
from cms.ports.errors import WriteConflict

NOW, LATER = "2026-11-22T10:00:00.000Z", "2026-11-22T10:05:00.000Z"
EPOCH = EpochReport(epoch=1, test_accuracy=0.9, epsilon=0.3, seconds=2.5,
                    samples_per_second=1600.0)


@pytest.fixture
def store(services):
    return services.budget_store


def new_job(contract_id: str, amount: str, created_at: str = NOW) -> TrainingJob:
    return TrainingJob(
        job_id=str(uuid.uuid4()), contract_id=contract_id, consumer_did="did:key:z6MkConsumer",
        model_name="mnist_cnn", status=JobStatus.PENDING,
        settings=TrainingSettings(epochs=2, epsilon=Decimal(amount), lr=0.5),
        privacy_budget=Decimal(amount), privacy_budget_spent=Decimal(0),
        created_at=created_at, updated_at=created_at)


def opened(store, total: str = "3") -> str:
    contract_id = str(uuid.uuid4())
    store.open_budget(contract_id, Decimal(total), NOW)
    return contract_id


def test_a_reserved_job_reads_back_as_written(store):
    contract_id = opened(store)
    job = new_job(contract_id, "1.25")
    store.reserve(job, NOW)
    assert store.job(job.job_id) == job
    assert store.budget(contract_id).available == Decimal("1.75")
    assert store.jobs_of(contract_id) == [job]


def test_unknown_budgets_and_jobs_are_none(store):
    assert store.budget(str(uuid.uuid4())) is None
    assert store.job(str(uuid.uuid4())) is None
    assert store.jobs_of(str(uuid.uuid4())) == []


def test_opening_a_budget_again_keeps_the_first_total(store):
    contract_id = opened(store, "1")
    store.open_budget(contract_id, Decimal("99"), NOW)
    assert store.budget(contract_id).total == Decimal("1")


def test_a_reservation_beyond_what_is_available_writes_nothing(store):
    contract_id = opened(store, "1")
    with pytest.raises(WriteConflict):
        store.reserve(new_job(contract_id, "1.000000001"), NOW)
    with pytest.raises(WriteConflict):  # no budget opened: nothing is available
        store.reserve(new_job(str(uuid.uuid4()), "0.1"), NOW)
    assert store.jobs_of(contract_id) == []
    assert store.budget(contract_id).reserved == 0


def test_concurrent_reservations_never_exceed_the_budget(store):
    contract_id = opened(store, "3.0")
    granted, refused = [], []

    def ask() -> None:
        try:
            store.reserve(new_job(contract_id, "0.7"), NOW)
            granted.append(1)
        except WriteConflict:
            refused.append(1)

    threads = [threading.Thread(target=ask) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(granted), len(refused)) == (4, 8)  # 4 x 0.7 = 2.8 <= 3.0 < 3.5
    budget = store.budget(contract_id)
    assert (budget.reserved, budget.available) == (Decimal("2.8"), Decimal("0.2"))
    assert len(store.jobs_of(contract_id)) == 4  # no job without its reservation


def test_settling_spends_part_and_releases_the_rest_exactly_once(store):
    contract_id = opened(store, "1")
    job = new_job(contract_id, "0.6")
    store.reserve(job, NOW)
    result = JobResult({"format": "x"}, "ZG9j", True, False,
                       ModelFile("training/jobs/j/model.pt", "v1", 10, "ab" * 32))
    metrics = TrainingMetrics((EPOCH,), test_accuracy=0.91)
    store.settle(job, JobStatus.COMPLETED, Decimal("0.512345678"), LATER, result=result,
                 metrics=metrics)
    with pytest.raises(WriteConflict):
        store.settle(job, JobStatus.FAILED, Decimal(0), LATER, error="again")  # a retry
    budget = store.budget(contract_id)
    assert (budget.total, budget.spent, budget.reserved) == (
        Decimal("1"), Decimal("0.512345678"), Decimal("0"))
    assert budget.available == Decimal("0.487654322")
    settled = store.job(job.job_id)
    assert settled == replace(job, status=JobStatus.COMPLETED, updated_at=LATER,
                              completed_at=LATER, privacy_budget_spent=Decimal("0.512345678"),
                              result=result, metrics=metrics)


def test_a_failed_settlement_keeps_the_reason_and_the_last_report(store):
    contract_id = opened(store)
    job = new_job(contract_id, "1")
    store.reserve(job, NOW)
    store.mark_running(job, b"wrapped", NOW)
    progress = JobProgress(1, Decimal("0.3"), "training/jobs/j/checkpoints/0001")
    store.record_progress(job, progress, TrainingMetrics((EPOCH,)), NOW)
    store.settle(store.job(job.job_id), JobStatus.FAILED, Decimal("0.3"), LATER,
                 error="broke off")
    failed = store.job(job.job_id)
    assert (failed.status, failed.error, failed.progress) == (JobStatus.FAILED, "broke off",
                                                              progress)
    assert failed.metrics == TrainingMetrics((EPOCH,))
    assert store.budget(contract_id).available == Decimal("2.7")


def test_a_job_runs_only_from_pending_and_reports_only_while_running(store):
    contract_id = opened(store)
    job = new_job(contract_id, "1")
    store.reserve(job, NOW)
    progress = JobProgress(1, Decimal("0.3"), None)
    with pytest.raises(WriteConflict):
        store.record_progress(job, progress, TrainingMetrics((EPOCH,)), NOW)
    with pytest.raises(WriteConflict):
        store.request_stop(job, StopCause.CONSUMER, NOW)
    store.mark_running(job, b"wrapped key", LATER)
    with pytest.raises(WriteConflict):  # another runner took it
        store.mark_running(job, b"another key", LATER)
    store.record_progress(job, progress, TrainingMetrics((EPOCH,)), LATER)
    store.request_stop(job, StopCause.CONSUMER, LATER)
    running = store.job(job.job_id)
    assert (running.status, running.checkpoint_key, running.progress, running.stop_requested,
            running.stop_cause) == (JobStatus.RUNNING, b"wrapped key", progress, True,
                                    StopCause.CONSUMER)
    store.settle(running, JobStatus.STOPPED, Decimal("0.3"), LATER)
    with pytest.raises(WriteConflict):
        store.record_progress(job, progress, TrainingMetrics((EPOCH,)), LATER)


def test_a_contracts_jobs_are_listed_newest_first(store):
    contract_id = opened(store, "10")
    jobs = [new_job(contract_id, "1", f"2026-11-22T10:0{n}:00.000Z") for n in range(3)]
    for job in jobs:
        store.reserve(job, NOW)
    store.reserve(new_job(opened(store), "1"), NOW)  # another contract's
    assert [job.job_id for job in store.jobs_of(contract_id)] == [
        job.job_id for job in reversed(jobs)]
    assert len(store.jobs_of(contract_id, limit=2)) == 2


def test_a_settlement_holds_only_for_the_job_as_it_was_read(store):
    contract_id = opened(store)
    job = new_job(contract_id, "1")
    store.reserve(job, NOW)
    store.mark_running(job, b"wrapped", NOW)  # a runner took it after the stop's read
    with pytest.raises(WriteConflict):  # cancelling the pending job it was: no free training
        store.settle(job, JobStatus.STOPPED, Decimal(0), LATER, stop_cause=StopCause.CONSUMER)
    running = store.job(job.job_id)
    store.request_stop(running, StopCause.PROVIDER, LATER)  # after the runner's read
    with pytest.raises(WriteConflict):  # the runner's settlement must see that stop
        store.settle(running, JobStatus.COMPLETED, Decimal("0.5"), LATER)
    assert store.budget(contract_id).reserved == Decimal("1")
    stopping = store.job(job.job_id)
    store.settle(stopping, JobStatus.STOPPED, Decimal("0.5"), LATER,
                 stop_cause=StopCause.PROVIDER)
    settled = store.job(job.job_id)
    assert (settled.status, settled.stop_cause, settled.privacy_budget_spent) == (
        JobStatus.STOPPED, StopCause.PROVIDER, Decimal("0.5"))
    assert store.budget(contract_id).available == Decimal("2.5")


def test_a_pending_job_cancelled_records_why(store):
    contract_id = opened(store)
    job = new_job(contract_id, "1")
    store.reserve(job, NOW)
    store.settle(job, JobStatus.STOPPED, Decimal(0), LATER,
                 stop_cause=StopCause.CONTRACT_ENDED, error="stopped: the contract ended")
    cancelled = store.job(job.job_id)
    assert (cancelled.status, cancelled.stop_cause, cancelled.error) == (
        JobStatus.STOPPED, StopCause.CONTRACT_ENDED, "stopped: the contract ended")
    with pytest.raises(WriteConflict):
        store.mark_running(job, b"wrapped", LATER)


@pytest.mark.parametrize("first, then, replaced", [
    (StopCause.CONSUMER, StopCause.PROVIDER, True),  # the consumer's stop gives way
    (StopCause.CONSUMER, StopCause.CONTRACT_ENDED, True),
    (StopCause.CONSUMER, StopCause.CONSUMER, False),
    (StopCause.PROVIDER, StopCause.CONSUMER, False),  # a stop that takes the model stands
    (StopCause.ADMIN, StopCause.PARTY_SUSPENDED, False),
])
def test_the_first_stop_that_takes_the_model_stands(store, first, then, replaced):
    contract_id = opened(store)
    job = new_job(contract_id, "1")
    store.reserve(job, NOW)
    store.mark_running(job, b"wrapped", NOW)
    store.request_stop(job, first, NOW)
    if replaced:
        store.request_stop(job, then, LATER)
    else:
        with pytest.raises(WriteConflict):
            store.request_stop(job, then, LATER)
    assert store.job(job.job_id).stop_cause == (then if replaced else first)


def test_every_open_job_of_a_contract_is_found_however_many(store):
    contract_id = opened(store, "100")
    jobs = [new_job(contract_id, "0.5", f"2026-11-22T10:{n // 60:02d}:{n % 60:02d}.000Z")
            for n in range(120)]
    for job in jobs:
        store.reserve(job, NOW)
    for job in jobs[:7]:
        store.settle(job, JobStatus.STOPPED, Decimal(0), LATER)
    store.mark_running(jobs[7], b"wrapped", NOW)
    store.reserve(new_job(opened(store), "1"), NOW)  # another contract's
    found = store.open_jobs_of(contract_id)
    assert sorted(job.job_id for job in found) == sorted(job.job_id for job in jobs[7:])
    assert {job.status for job in found} == {JobStatus.PENDING, JobStatus.RUNNING}


def test_jobs_are_listed_by_consumer_provider_and_contract_newest_first_below_a_key(store):
    provider = f"did:key:z6MkProvider{uuid.uuid4().hex}"
    consumer = f"did:key:z6MkConsumer{uuid.uuid4().hex}"
    contract_id = opened(store)
    times = [f"2026-11-22T10:0{minute}:00.000Z" for minute in range(4)]
    jobs = [replace(new_job(contract_id, "0.5", at), provider_did=provider,
                    consumer_did=consumer) for at in times]
    for job in jobs:
        store.reserve(job, NOW)
    newest_first = jobs[::-1]
    assert store.jobs_by("provider", provider, before=None, limit=10) == newest_first
    assert store.jobs_by("contract", contract_id, before=None, limit=2) == newest_first[:2]
    below = f"{jobs[2].created_at}#{jobs[2].job_id}"
    assert store.jobs_by("provider", provider, before=below, limit=10) == jobs[1::-1]
    assert store.jobs_by("consumer", consumer, before=None, limit=3) == newest_first[:3]
    assert store.jobs_by("provider", "did:key:z6MkNobody", before=None, limit=10) == []
