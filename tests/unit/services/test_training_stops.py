"""Ending a contract ends what it allowed, on the in-memory stores: the wind-down after an
ending or a suspension, the parent asking before every key release, who may stop a job, what
a stopped job is charged and whether it keeps a model (the contract's trained_models term).

The interleavings of a stop with a run are driven in tests/contract/test_stop_races.py; the
whole path through the stack (events function, enclave, gateway) in
tests/e2e/test_training_stops.py.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal

import pytest

from cms.config import Settings
from cms.domain.audit import AuditEvent
from cms.domain.contracts import Status, ValidityEnded
from cms.domain.errors import DependencyUnavailable, Forbidden, IllegalTransition, NotFound
from cms.domain.identity import Caller, IdentityStatus, Role
from cms.domain.privacy import ModelWithdrawn, NotATrainingContract
from cms.domain.standing import PartySuspended, StopCause
from cms.domain.training_jobs import JobStatus
from cms_client import Ed25519Signer
from tests.unit.services.runner_double import (
    EPSILON_PER_EPOCH,
    MODEL,
    run_queued,
    scripted_runner,
)
from tests.unit.services.training_setup import (
    TrainingServices,
    contract,
    moved_to,
    party,
    start,
    training_terms,
)

ADMIN = Ed25519Signer()


@pytest.fixture
def services() -> TrainingServices:
    return TrainingServices(Settings(bootstrap_admins=(ADMIN.did,)))


def registered(services: TrainingServices, signer: Ed25519Signer | None = None) -> Caller:
    signer = signer or Ed25519Signer()
    services.auth.register(signer.did, signer.public_key, source_ip="192.0.2.1")
    return Caller(signer.did, frozenset({Role.ADMIN.value}) if signer is ADMIN else frozenset())


@pytest.fixture
def active(services):
    provider, consumer = registered(services), registered(services)
    return provider, consumer, contract(services, provider, consumer)


def ended(made, event_type: str = "contract.terminated") -> AuditEvent:
    """The audit event the stream would carry (the wind-down reads only where to look)."""
    return AuditEvent(stream=f"contract:{made.id}", seq=9, event_id=str(uuid.uuid4()),
                      event_type=event_type, actor=made.content.provider_did,
                      at="2026-12-07T06:00:00.000Z", data={"reason": "x"},
                      prev_hash="0" * 64, hash="0" * 64)


def accounted(services, contract_id: str) -> tuple[Decimal, Decimal, Decimal]:
    """(spent, reserved, available), checking that they add up to the total."""
    budget = services.budget_store.budget(contract_id)
    assert budget.spent + budget.reserved + budget.available == budget.total
    return budget.spent, budget.reserved, budget.available


# --- who may stop -------------------------------------------------------------------------------


def test_the_provider_and_an_admin_may_stop_a_job_and_nobody_else(services, active):
    provider, consumer, made = active
    admin = registered(services, ADMIN)
    auditor = Caller(party().did, frozenset({Role.AUDITOR.value}))
    jobs = [start(services, consumer, made.id, epsilon=0.5) for _ in range(3)]
    with pytest.raises(Forbidden):  # sees every job, stops none
        services.training.stop(auditor, jobs[0].job_id)
    with pytest.raises(NotFound):
        services.training.stop(party(), jobs[0].job_id)
    for job, who, cause in zip(jobs, (provider, admin, consumer),
                               (StopCause.PROVIDER, StopCause.ADMIN, StopCause.CONSUMER),
                               strict=True):
        stopped = services.training.stop(who, job.job_id)
        assert (stopped.status, stopped.stop_cause, stopped.privacy_budget_spent) == (
            JobStatus.STOPPED, cause, Decimal(0))
    assert accounted(services, made.id) == (0, 0, 3)


def test_a_job_its_provider_stops_trains_no_further_and_produces_no_model(services, active):
    provider, consumer, made = active
    job = start(services, consumer, made.id, epochs=4, epsilon=2)
    runner, _ = scripted_runner(services, after_epoch=lambda number: number == 1 and (
        services.training.stop(provider, job.job_id)))
    run_queued(runner, job)
    done = services.training.get(consumer, job.job_id)
    assert (done.status, done.stop_cause, done.result) == (
        JobStatus.STOPPED, StopCause.PROVIDER, None)
    assert runner.trained == 1 and done.privacy_budget_spent == EPSILON_PER_EPOCH
    assert accounted(services, made.id) == (EPSILON_PER_EPOCH, 0, 3 - EPSILON_PER_EPOCH)
    with pytest.raises(KeyError):  # no model was stored
        services.bucket("CMS_TRAINING_BUCKET").head(f"training/jobs/{job.job_id}/model.pt")


def test_a_job_its_consumer_stops_keeps_what_it_trained(services, active):
    _, consumer, made = active
    job = start(services, consumer, made.id, epochs=4, epsilon=2)
    runner, _ = scripted_runner(services, after_epoch=lambda number: number == 2 and (
        services.training.stop(consumer, job.job_id)))
    run_queued(runner, job)
    done = services.training.get(consumer, job.job_id)
    assert (done.status, done.stop_cause, runner.trained) == (
        JobStatus.STOPPED, StopCause.CONSUMER, 2)
    assert done.privacy_budget_spent == 2 * EPSILON_PER_EPOCH
    assert services.training.model_link(consumer, job.job_id).size == len(MODEL)


def test_a_stop_that_finds_its_job_taken_asks_the_runner_instead_of_settling(services, active):
    _, consumer, made = active
    job = start(services, consumer, made.id, epochs=2, epsilon=1)
    stale = services.budget_store.job(job.job_id)
    taken = services.training_runs.take(job.job_id, lambda: b"key")  # after the stop's read
    reads = iter([stale])
    real = services.budget_store.job
    services.budget_store.job = lambda job_id: next(reads, None) or real(job_id)
    stopping = services.training.stop(consumer, job.job_id)
    # The job trains: it must be charged for it, so it is asked to stop, not settled free.
    assert (stopping.status, stopping.stop_requested) == (JobStatus.RUNNING, True)
    assert services.training_runs.report(taken, {"epoch": 1, "test_accuracy": 0.9,
                                                 "epsilon": 0.4, "seconds": 1,
                                                 "samples_per_second": 9}, None) is False
    assert accounted(services, made.id) == (0, 1, 2)  # the runner settles what it attests


# --- a contract that ends -----------------------------------------------------------------------


@pytest.mark.parametrize("event_type, status", [
    ("contract.terminated", Status.TERMINATED), ("contract.completed", Status.COMPLETED),
    ("contract.expired", Status.EXPIRED)])
def test_an_ending_cancels_queued_jobs_and_stops_running_ones_at_their_next_epoch(
        services, active, event_type, status):
    _, consumer, made = active
    running = start(services, consumer, made.id, epochs=4, epsilon=1.5)
    queued = start(services, consumer, made.id, epsilon=1)
    runner, keys = scripted_runner(services)

    def end_after_first_epoch(number: int) -> None:
        if number == 1:
            moved_to(services, made, status)
            assert services.wind_down.on_events([ended(made, event_type)]) == (2, [])

    runner.after_epoch = end_after_first_epoch
    run_queued(runner, running)
    cancelled = services.training.get(consumer, queued.job_id)
    assert (cancelled.status, cancelled.stop_cause, cancelled.privacy_budget_spent) == (
        JobStatus.STOPPED, StopCause.CONTRACT_ENDED, Decimal(0))
    stopped = services.training.get(consumer, running.job_id)
    assert (stopped.status, stopped.stop_cause, stopped.result) == (
        JobStatus.STOPPED, StopCause.CONTRACT_ENDED, None)
    assert runner.trained == 1 and stopped.privacy_budget_spent == EPSILON_PER_EPOCH
    assert accounted(services, made.id) == (EPSILON_PER_EPOCH, 0, 3 - EPSILON_PER_EPOCH)
    released = len(keys.released)
    run_queued(runner, queued)
    assert (len(keys.released), runner.trained) == (released, 1)  # nothing more went out
    assert services.wind_down.on_events([ended(made, event_type)]) == (0, [])  # redelivered


def test_no_key_goes_out_for_a_job_whose_contract_ended_before_anyone_reacted(services,
                                                                                active):
    _, consumer, made = active
    queued, taken = (start(services, consumer, made.id, epsilon=1) for _ in range(2))
    services.training_runs.take(taken.job_id, lambda: b"key")  # its runner died: it resumes
    moved_to(services, made, Status.TERMINATED)  # the wind-down has not run
    runner, keys = scripted_runner(services)
    run_queued(runner, queued)
    run_queued(runner, taken)
    assert (keys.released, runner.trained) == ([], 0)
    for job in (queued, taken):
        settled = services.training.get(consumer, job.job_id)
        assert (settled.status, settled.stop_cause, settled.privacy_budget_spent) == (
            JobStatus.STOPPED, StopCause.CONTRACT_ENDED, 0)
    assert accounted(services, made.id) == (0, 0, 3)


def test_a_contract_ending_between_the_last_epoch_and_settlement_keeps_no_model(services,
                                                                                active):
    _, consumer, made = active
    job = start(services, consumer, made.id, epochs=2, epsilon=1)
    runner, _ = scripted_runner(services, after_epoch=lambda number: number == 2 and (
        moved_to(services, made, Status.TERMINATED)))
    run_queued(runner, job)
    done = services.training.get(consumer, job.job_id)
    assert (done.status, done.result, done.stop_cause) == (
        JobStatus.STOPPED, None, StopCause.CONTRACT_ENDED)
    assert done.privacy_budget_spent == 2 * EPSILON_PER_EPOCH  # both epochs were attested


def test_past_valid_until_nothing_is_admitted_started_or_continued(services, active):
    _, consumer, made = active
    queued, running = (start(services, consumer, made.id, epsilon=1, epochs=3)
                       for _ in range(2))
    taken = services.training_runs.take(running.job_id, lambda: b"key")
    past = replace(made.content, valid_until="2026-01-02T00:00:00.000Z")
    services.contract_file.put(replace(made, content=past))  # still active: not expired yet
    with pytest.raises(ValidityEnded):
        start(services, consumer, made.id)
    assert services.training_runs.take(queued.job_id, lambda: b"key") is None
    assert services.training.get(consumer, queued.job_id).status == JobStatus.STOPPED
    assert services.training_runs.report(taken, {
        "epoch": 1, "test_accuracy": 0.9, "epsilon": 0.3, "seconds": 1,
        "samples_per_second": 9}, None) is False
    assert services.budget_store.job(running.job_id).stop_cause == StopCause.CONTRACT_ENDED


def test_a_contract_ending_while_a_job_is_admitted_leaves_no_job(services, active):
    _, consumer, made = active
    original_reserve = services.budget_store.reserve

    def reserve_then_terminate(job, now):  # the provider terminates in that moment
        original_reserve(job, now)
        moved_to(services, made, Status.TERMINATED)

    services.budget_store.reserve = reserve_then_terminate
    with pytest.raises(IllegalTransition):
        start(services, consumer, made.id)
    [job] = services.budget_store.jobs_of(made.id)
    assert (job.status, job.stop_cause) == (JobStatus.STOPPED, StopCause.CONTRACT_ENDED)
    assert services.job_queue.waiting() == [] and accounted(services, made.id) == (0, 0, 3)


# --- a party that is suspended ------------------------------------------------------------------


def test_a_suspended_party_stops_its_contracts_work_until_it_is_reactivated(services, active):
    provider, consumer, made = active
    admin = registered(services, ADMIN)
    queued = start(services, consumer, made.id, epsilon=1)
    services.identities.administer(admin, provider.did, status=IdentityStatus.SUSPENDED)
    suspension = services.identity_store.events(provider.did)[-1]
    with pytest.raises(PartySuspended):
        start(services, consumer, made.id)
    assert services.wind_down.on_events([suspension]) == (1, [])
    cancelled = services.training.get(consumer, queued.job_id)
    assert (cancelled.status, cancelled.stop_cause) == (JobStatus.STOPPED,
                                                        StopCause.PARTY_SUSPENDED)
    services.identities.administer(admin, provider.did, status=IdentityStatus.ACTIVE)
    again = start(services, consumer, made.id, epsilon=1)
    assert services.wind_down.on_events([suspension]) == (0, [])  # redelivered: lifted since
    assert services.training.get(consumer, again.job_id).status == JobStatus.PENDING


def test_the_wind_down_that_fails_halfway_finishes_when_the_stream_retries(services, active):
    _, consumer, made = active
    jobs = [start(services, consumer, made.id, epsilon=0.5) for _ in range(4)]
    moved_to(services, made, Status.TERMINATED)
    real, calls = services.budget_store.settle, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise DependencyUnavailable("DynamoDB is unreachable")
        return real(*args, **kwargs)

    services.budget_store.settle = flaky
    with pytest.raises(DependencyUnavailable):  # the batch fails: the stream delivers it again
        services.wind_down.on_events([ended(made)])
    assert services.wind_down.on_events([ended(made)]) == (2, [])  # the two left
    assert {services.budget_store.job(job.job_id).status for job in jobs} == {
        JobStatus.STOPPED}
    assert accounted(services, made.id) == (0, 0, 3)


def test_events_that_do_not_end_anything_stop_nothing_and_malformed_ones_are_skipped(
        services, active):
    _, consumer, made = active
    job = start(services, consumer, made.id, epsilon=1)
    forged = replace(ended(made), event_type="identity.updated",
                     stream=f"identity:{made.content.provider_did}", data={})
    assert services.wind_down.on_events([
        ended(made, "contract.activated"), ended(made), forged]) == (0, [forged.event_id])
    assert services.training.get(consumer, job.job_id).status == JobStatus.PENDING


# --- the trained_models term --------------------------------------------------------------------


def trained(services, consumer, made):
    job = start(services, consumer, made.id, epochs=1, epsilon=1)
    run_queued(scripted_runner(services)[0], job)
    assert services.training.get(consumer, job.job_id).status == JobStatus.COMPLETED
    return job


@pytest.mark.parametrize("term, downloadable_after_the_end", [
    (None, True), ("stay_with_consumer", True), ("withdrawn_at_end", False)])
def test_what_becomes_of_a_completed_model_is_the_contracts_term(
        services, term, downloadable_after_the_end):
    provider, consumer = registered(services), registered(services)
    terms = training_terms() if term is None else training_terms(trained_models=term)
    if term is None:
        del terms["trained_models"]  # terms written by hand, without the term: the default
    made = contract(services, provider, consumer, terms=terms)
    job = trained(services, consumer, made)
    assert services.training.model_link(consumer, job.job_id).size == len(MODEL)
    moved_to(services, made, Status.TERMINATED)
    if downloadable_after_the_end:
        assert services.training.model_link(consumer, job.job_id).size == len(MODEL)
    else:
        with pytest.raises(ModelWithdrawn):
            services.training.model_link(consumer, job.job_id)
    assert services.training.verification(provider, job.job_id).job_id == job.job_id


def test_a_trained_models_term_that_is_not_one_of_its_values_is_no_training_contract(
        services):
    provider, consumer = party(), party()
    made = contract(services, provider, consumer,
                    terms=training_terms(trained_models="forever"))
    with pytest.raises(NotATrainingContract) as refused:
        start(services, consumer, made.id)
    assert refused.value.extra["term"] == "trained_models"
