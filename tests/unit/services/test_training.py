"""Training jobs on the in-memory stores: admission against the terms, the budget reserved
atomically, the queue's message, stopping, runs settled exactly, the result verified; and
hostile terms refused with a reason, never an overflow.

What only the stack shows (the gateway's answers, the enclave training, S3's events, the
queue to the parent) is in tests/e2e/test_training_*.py; the stores' guarantees in
tests/contract/test_budget_store.py.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import replace
from decimal import Decimal

import pytest

from cms.domain.contracts import Status, content_digest
from cms.domain.errors import (
    Conflict,
    DependencyUnavailable,
    Forbidden,
    IllegalTransition,
    NotFound,
    ValidationFailed,
)
from cms.domain.identity import Caller
from cms.domain.privacy import BudgetExceeded, NotATrainingContract, ResultUnavailable
from cms.domain.training_jobs import JobStatus
from tests.unit.services.training_setup import (
    PCR0,
    TrainingServices,
    attested_services,
    completed,
    contract,
    epoch,
    moved_to,
    party,
    result_of,
    start,
    statement_of,
    training_terms,
    with_budget,
)

HOSTILE_EPSILONS = ["1e20", "9" * 10_000, "-1", "NaN", "Infinity", 1e308, 0, True, None,
                    {"$numberDecimal": "1"}, [1], "1e-99999999"]


@pytest.fixture
def services() -> TrainingServices:
    return TrainingServices()


@pytest.fixture
def active(services):
    provider, consumer = party(), party()
    return provider, consumer, contract(services, provider, consumer).id


# --- admission and the budget -------------------------------------------------------------------


def test_the_consumer_reserves_budget_and_stopping_gives_it_back(services, active):
    provider, consumer, contract_id = active
    created = start(services, consumer, contract_id, epsilon=1.25)
    assert (created.status, created.privacy_budget) == (JobStatus.PENDING, Decimal("1.25"))
    budget = services.training.budget(provider, contract_id)
    assert (budget.accounted.reserved, budget.accounted.available) == (Decimal("1.25"),
                                                                       Decimal("1.75"))
    assert [job.job_id for job in budget.jobs] == [created.job_id]
    assert services.training.get(provider, created.job_id) == created
    stopped = services.training.stop(consumer, created.job_id)
    assert (stopped.status, stopped.privacy_budget_spent) == (JobStatus.STOPPED, Decimal(0))
    assert services.training.budget(consumer, contract_id).accounted.available == Decimal(3)
    with pytest.raises(IllegalTransition):
        services.training.stop(consumer, created.job_id)


def test_a_budget_before_any_job_is_the_terms_and_shows_them(services, active):
    provider, _, contract_id = active
    budget = services.training.budget(provider, contract_id)
    assert (budget.accounted.total, budget.accounted.available, budget.delta,
            budget.accountant, budget.jobs) == (Decimal(3), Decimal(3), 1e-6, "prv", [])


def test_concurrent_jobs_cannot_overspend(services, active):
    _, consumer, contract_id = active
    outcomes: list[str] = []

    def ask() -> None:
        try:
            start(services, consumer, contract_id, epsilon=0.7)
            outcomes.append("ok")
        except BudgetExceeded as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok"] * 4 + ["privacy_budget_exceeded"] * 4
    budget = services.training.budget(consumer, contract_id)
    assert budget.accounted.available == Decimal("0.2") and len(budget.jobs) == 4


def test_a_refusal_for_lack_of_budget_says_what_is_left(services, active):
    _, consumer, contract_id = active
    start(services, consumer, contract_id, epsilon=2.5)
    with pytest.raises(BudgetExceeded) as refused:
        start(services, consumer, contract_id, epsilon=0.6)
    assert refused.value.extra["epsilon_available"] == "0.500000000"


def test_jobs_outside_the_terms_or_by_the_wrong_party_are_refused(services, active):
    provider, consumer, contract_id = active
    with pytest.raises(ValidationFailed) as refused:
        start(services, consumer, contract_id, epochs=500, epsilon=9)
    assert {e["pointer"] for e in refused.value.extra["errors"]} == {"/config/epochs",
                                                                   "/config/epsilon"}
    with pytest.raises(ValidationFailed):
        start(services, consumer, contract_id, model="scatter_cnn")
    with pytest.raises(Forbidden):
        start(services, provider, contract_id)
    with pytest.raises(NotFound):
        start(services, party(), contract_id)
    budget = services.training.budget(consumer, contract_id)
    assert budget.jobs == [] and budget.accounted.reserved == 0


def test_only_active_training_contracts_take_jobs(services):
    provider, consumer = party(), party()
    for status in (Status.DRAFT, Status.REVIEW, Status.SIGNED, Status.COMPLETED):
        made = contract(services, provider, consumer, status=status)
        with pytest.raises(IllegalTransition):
            start(services, consumer, made.id)
    plain = contract(services, provider, consumer, terms={"purpose": "sharing"})
    with pytest.raises(NotATrainingContract):
        start(services, consumer, plain.id)
    with pytest.raises(NotATrainingContract):
        services.training.budget(provider, plain.id)


@pytest.mark.parametrize("value", HOSTILE_EPSILONS)
def test_hostile_terms_are_no_training_contract_wherever_they_are_read(services, value):
    provider, consumer = party(), party()
    made = contract(services, provider, consumer,
                    terms=with_budget(training_terms(), epsilon=value))
    for read in (lambda: services.training.budget(provider, made.id),
                 lambda: services.datasets.datasets(provider, made.id),
                 lambda: services.datasets.upload_grant(provider, made.id, "mnist-train", 10),
                 lambda: start(services, consumer, made.id)):
        with pytest.raises(NotATrainingContract) as refused:
            read()
        assert refused.value.extra["term"] == "privacy_budget.epsilon"
    assert services.budget_store.budget(made.id) is None  # nothing was opened


@pytest.mark.parametrize("terms", [
    with_budget(training_terms(), delta="1e20"), with_budget(training_terms(), delta=0),
    training_terms(max_epochs=10**400), training_terms(max_epochs=float("inf")),
    training_terms(datasets=[{"id": "x" * 10_000}]), training_terms(model_architectures=None),
])
def test_other_hostile_terms_are_refused_too(services, terms):
    provider, consumer = party(), party()
    made = contract(services, provider, consumer, terms=terms)
    with pytest.raises(NotATrainingContract):
        services.training.budget(provider, made.id)
    with pytest.raises(NotATrainingContract):
        start(services, consumer, made.id)


# --- the queue ----------------------------------------------------------------------------------


def test_the_queued_job_carries_the_reservation_the_terms_and_the_settings(services, active):
    _, consumer, contract_id = active
    job = start(services, consumer, contract_id, epsilon="0.5", lr=0.5, batch_size=400)
    [message] = services.job_queue.waiting()
    made = services.contract_file.get(contract_id)
    assert message == {
        "job_id": job.job_id, "contract_id": contract_id,
        "contract_digest": content_digest(contract_id, made.content), "model": "mnist_cnn",
        "config": {"epochs": 1, "epsilon": "0.500000000", "lr": 0.5, "batch_size": 400,
                   "delta": 1e-6},
        "epsilon": "0.500000000", "enclave_measurements": [PCR0],
        "output_prefix": f"s3://cms_training_bucket/training/jobs/{job.job_id}/"}


def test_a_job_the_queue_refuses_fails_at_once_and_gives_its_epsilon_back(services, active):
    _, consumer, contract_id = active

    def refuse(job: dict) -> None:
        raise DependencyUnavailable("the queue is down")

    services.job_queue.send = refuse
    with pytest.raises(DependencyUnavailable):
        start(services, consumer, contract_id, epsilon=2)
    [job] = services.training.budget(consumer, contract_id).jobs
    assert (job.status, job.error) == (JobStatus.FAILED, "the job could not be queued")
    assert services.training.budget(consumer, contract_id).accounted.available == Decimal(3)


# --- visibility and stopping --------------------------------------------------------------------


def test_strangers_see_no_job_and_overseers_see_every_job(services, active):
    _, consumer, contract_id = active
    job = start(services, consumer, contract_id)
    with pytest.raises(NotFound):
        services.training.get(party(), job.job_id)
    with pytest.raises(NotFound):
        services.training.stop(party(), job.job_id)
    auditor = Caller(party().did, frozenset({"auditor"}))
    assert services.training.get(auditor, job.job_id) == job
    with pytest.raises(NotFound):
        services.training.get(consumer, "7d5b0f7e-2a51-4a47-9c43-3f6f0e4f7a10")


def test_a_running_job_is_asked_to_stop_by_its_consumer(services, active):
    _, consumer, contract_id = active
    job = start(services, consumer, contract_id)
    services.training_runs.take(job.job_id, lambda: b"wrapped key")
    stopping = services.training.stop(consumer, job.job_id)
    assert (stopping.status, stopping.stop_requested) == (JobStatus.RUNNING, True)
    assert services.training.stop(consumer, job.job_id) == stopping  # asking again: the same


def test_a_stop_that_loses_a_race_is_a_conflict(services, active):
    _, consumer, contract_id = active
    job = start(services, consumer, contract_id)
    services.training_runs.take(job.job_id, lambda: b"k")
    services.training_runs.fail(job, "the enclave died")  # between the read and the stop
    running = replace(job, status=JobStatus.RUNNING)
    services.budget_store.job = lambda job_id: running  # the stale read
    with pytest.raises(Conflict):
        services.training.stop(consumer, job.job_id)


# --- runs ---------------------------------------------------------------------------------------


def test_a_run_reports_its_epochs_and_settles_with_the_attested_spend(services, active):
    _, consumer, contract_id = active
    job = start(services, consumer, contract_id, epochs=2, epsilon=1.5)
    runs = services.training_runs
    taken = runs.take(job.job_id, lambda: b"wrapped key")
    assert (taken.status, taken.checkpoint_key) == (JobStatus.RUNNING, b"wrapped key")
    assert runs.take(job.job_id, lambda: b"another key").checkpoint_key == b"wrapped key"
    assert runs.report(taken, epoch(1, 0.61), "training/jobs/x/checkpoints/0001")
    assert runs.report(taken, epoch(2, 1.2), "training/jobs/x/checkpoints/0002")
    reported = services.training.get(consumer, job.job_id)
    assert [e.epoch for e in reported.metrics.epochs] == [1, 2]
    assert (reported.progress.epoch, reported.progress.epsilon_spent) == (2, Decimal("1.2"))
    statement = statement_of(services, job, epsilon_spent="1.123456789", epochs=2)
    assert runs.complete(taken, statement, result_of(statement),
                         {"epochs": [epoch(1, 0.61), epoch(2, 1.2)], "test_accuracy": 0.93}
                         ) == JobStatus.COMPLETED
    done = services.training.get(consumer, job.job_id)
    assert (done.status, done.privacy_budget_spent, done.metrics.test_accuracy) == (
        JobStatus.COMPLETED, Decimal("1.123456789"), 0.93)
    assert services.training.budget(consumer, contract_id).accounted.available == \
        Decimal(3) - Decimal("1.123456789")
    assert runs.complete(taken, statement, result_of(statement), {}) == JobStatus.COMPLETED
    assert services.training.budget(consumer, contract_id).accounted.spent == \
        Decimal("1.123456789")  # a redelivered result counts once
    assert runs.take(job.job_id, lambda: b"k") is None  # settled: nothing to run


def test_a_stop_request_ends_the_run_at_its_next_report(services, active):
    _, consumer, contract_id = active
    job = start(services, consumer, contract_id, epochs=3)
    taken = services.training_runs.take(job.job_id, lambda: b"k")
    services.training.stop(consumer, job.job_id)
    assert services.training_runs.report(taken, epoch(1, 0.2), None) is False


@pytest.mark.parametrize("claim, reason", [
    ({"job_id": "another-job"}, "names another job"),  # a replayed result
    ({"epsilon_spent": "1.000000001"}, "above the 1.000000000 it reserved"),
    ({"epsilon_spent": "1e20"}, "unusable"),
    ({"epsilon_spent": "NaN"}, "unusable"),
    ({"delta": "1e-6"}, "unusable"),
    ({"epochs": 0}, "does not cover one epoch"),
])
def test_a_result_that_is_unusable_or_beyond_the_reservation_fails_the_job(
        services, active, claim, reason):
    _, consumer, contract_id = active
    job = start(services, consumer, contract_id, epsilon=1.0)
    taken = services.training_runs.take(job.job_id, lambda: b"wrapped key")
    statement = statement_of(services, job, **claim)
    assert services.training_runs.complete(taken, statement, result_of(statement),
                                           {}) == JobStatus.FAILED
    failed = services.training.get(consumer, job.job_id)
    assert failed.status == JobStatus.FAILED and reason in failed.error
    assert (failed.privacy_budget_spent, failed.result) == (Decimal(0), None)
    assert services.training.budget(consumer, contract_id).accounted.available == Decimal(3)


@pytest.mark.parametrize("report", [
    {**epoch(1, 0.2), "epsilon": 1e20}, {**epoch(1, 0.2), "epoch": 10**400},
    {**epoch(1, 0.2), "test_accuracy": float("nan")}, {**epoch(1, 0.2), "seconds": "1"},
    "not a report", None,
])
def test_a_hostile_epoch_report_fails_the_job_charged_what_was_reported_before(
        services, active, report):
    _, consumer, contract_id = active
    job = start(services, consumer, contract_id, epochs=3, epsilon=1.0)
    taken = services.training_runs.take(job.job_id, lambda: b"k")
    assert services.training_runs.report(taken, epoch(1, 0.25), None)
    assert services.training_runs.report(taken, report, None) is False
    failed = services.training.get(consumer, job.job_id)
    assert failed.status == JobStatus.FAILED and "epoch report is unusable" in failed.error
    assert failed.privacy_budget_spent == Decimal("0.25")


def test_a_failed_run_is_charged_its_last_reported_epoch(services, active):
    _, consumer, contract_id = active
    job = start(services, consumer, contract_id, epochs=3, epsilon=1.0)
    taken = services.training_runs.take(job.job_id, lambda: b"k")
    services.training_runs.report(taken, epoch(1, 0.3000000001), None)
    assert services.training_runs.fail(taken, "x" * 1000) == JobStatus.FAILED
    failed = services.training.get(consumer, job.job_id)
    assert failed.privacy_budget_spent == Decimal("0.300000001")  # rounded up
    assert len(failed.error) == 500


# --- the result ---------------------------------------------------------------------------------


@pytest.fixture
def attested(tmp_path):
    return attested_services(tmp_path)


def test_a_result_verifies_and_its_model_is_the_consumers(attested):
    services, module = attested
    provider, consumer = party(), party()
    made = contract(services, provider, consumer,
                    terms=training_terms(enclave_measurements=[{"pcr0": module.pcrs[0].hex()}]))
    job = completed(services, module, consumer, made.id)
    verified = services.training.verification(provider, job.job_id)
    assert verified.report.valid and verified.simulated, verified.report.to_json()
    assert verified.bundle["contract"]["id"] == made.id
    link = services.training.model_link(consumer, job.job_id)
    assert (link.sha256, link.size, link.expires_in) == (
        hashlib.sha256(b"model").hexdigest(), 5, 300)
    with pytest.raises(Forbidden):
        services.training.model_link(provider, job.job_id)


@pytest.mark.parametrize("value", ["1e20", "9" * 10_000, "NaN", -1])
def test_terms_turned_hostile_after_a_run_fail_the_budget_check_not_the_request(attested,
                                                                                value):
    services, module = attested
    provider, consumer = party(), party()
    made = contract(services, provider, consumer,
                    terms=training_terms(enclave_measurements=[{"pcr0": module.pcrs[0].hex()}]))
    job = completed(services, module, consumer, made.id)
    edited = replace(made.content, terms=with_budget(made.content.terms, epsilon=value))
    services.contract_file.put(replace(made, content=edited))  # changed outside the API
    report = services.training.verification(provider, job.job_id).report
    failed = {check.name: check.detail for check in report.checks if not check.ok}
    assert set(failed) == {"budget", "image", "contract"}
    assert "privacy_budget.epsilon" in failed["budget"]


def test_no_result_no_verification_and_no_model(services, active):
    _, consumer, contract_id = active
    job = start(services, consumer, contract_id)
    with pytest.raises(ResultUnavailable):
        services.training.verification(consumer, job.job_id)
    with pytest.raises(ResultUnavailable):
        services.training.model_link(consumer, job.job_id)
    moved_to(services, services.contract_file.get(contract_id), Status.COMPLETED)
    with pytest.raises(ResultUnavailable):  # the contract's state does not matter here
        services.training.verification(consumer, job.job_id)
