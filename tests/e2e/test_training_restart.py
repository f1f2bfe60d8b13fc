"""No training job is lost when the enclave dies mid-run: the queue gives the job back, the
next attempt resumes from the last checkpoint, and a job that keeps breaking off fails charged
exactly the epsilon of the epochs it reported. Runs its own enclave processes beside the
stack's (whose parent service is held)."""

from __future__ import annotations

import base64
import os
import threading
import time
from decimal import Decimal

import pytest

from cms.adapters.budget_store import DynamoBudgetStore
from cms.adapters.job_queue import SqsJobQueue
from cms.adapters.object_store import Bucket
from cms.bootstrap import Services
from cms.config import Settings
from cms.domain.attestation import development_root
from cms.domain.training_result import Statement, bundle, verify_result
from enclave_app.attestation_module import local_measurements
from local_stack.enclave import LocalEnclave, training_environment
from local_stack.stack import free_port
from tests.e2e.test_training_runs import active_contract, start
from training_runner.enclave_runner import EnclaveRunner
from training_runner.key_release import SimulatedKeyRelease

pytestmark = pytest.mark.e2e


@pytest.fixture
def parent_held(stack):
    with stack.paused("training-parent"):
        yield training_environment(stack.functions)


@pytest.fixture
def enclaves(tmp_path):
    started: list[LocalEnclave] = []

    def make() -> LocalEnclave:
        directory = tmp_path / f"enclave-{len(started)}"
        directory.mkdir()
        enclave = LocalEnclave(free_port(), directory, print).start()
        started.append(enclave)
        assert enclave.ready(threading.Event())
        return enclave

    yield make
    for enclave in started:
        enclave.stop()


def runner_for(enclave: LocalEnclave, environment: dict[str, str], keys=None,
               **options) -> EnclaveRunner:
    """A parent service of its own, configured as the stack's (``keys``: its key release,
    by default the simulated one for ``enclave``)."""
    root = development_root(enclave.root_file.read_bytes())
    aws = {key: value for key, value in os.environ.items() if key.startswith("AWS_")}
    services = Services(Settings.from_environ({**aws, **environment}))
    return EnclaveRunner(SqsJobQueue(environment["CMS_TRAINING_QUEUE_URL"]),
                         services.training_runs,
                         Bucket(environment["CMS_TRAINING_BUCKET"]),
                         keys or SimulatedKeyRelease(environment["CMS_TRAINING_KEY_ID"], root,
                                                     {enclave.pcr0}),
                         enclave.address, **options)


def crash_after_first_epoch(runner: EnclaveRunner, enclave: LocalEnclave, job_id: str):
    """Run the job until it has reported an epoch, then kill the enclave; returns the job's
    queue message (still held)."""
    done = threading.Event()

    def kill_when_reported() -> None:
        while not done.wait(0.2):
            progress = DynamoBudgetStore().job(job_id).progress
            if progress is not None and progress.checkpoint:
                enclave.stop()
                return

    killer = threading.Thread(target=kill_when_reported, daemon=True)
    killer.start()
    try:
        message = next_message(runner.queue, job_id)
        runner.handle(message)  # returns when the connection breaks: the message stays
    finally:
        done.set()
        killer.join(timeout=10)
    return message


def next_message(queue: SqsJobQueue, job_id: str):
    """This job's message. Earlier tests' jobs may still wait in the queue (the stack's parent
    is held); SQS hands out the oldest first, so take ten at a time and give the others back."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = None
        for message in queue.receive(wait_s=1, hold_s=600, max_messages=10):
            if message.body["job_id"] == job_id:
                found = message
            else:
                queue.extend(message, 0)
        if found:
            return found
    raise AssertionError(f"job {job_id} never came from the queue")


def test_a_job_resumes_from_its_checkpoint_after_the_enclave_dies(
        new_party, parent_held, enclaves):
    _, consumer, contract_id = active_contract(new_party, local_measurements()[0].hex())
    job_id = start(consumer.client, contract_id, epochs=2, epsilon=1.5)["id"]
    first = enclaves()
    message = crash_after_first_epoch(runner_for(first, parent_held), first, job_id)
    broken = DynamoBudgetStore().job(job_id)
    assert broken.status == "running" and broken.progress.epoch == 1
    runner_for(first, parent_held).queue.extend(message, 0)  # as if its hold ran out

    second = enclaves()
    resumed = runner_for(second, parent_held)
    resumed.handle(next_message(resumed.queue, job_id))
    job = DynamoBudgetStore().job(job_id)
    assert job.status == "completed", job.error
    assert [epoch.epoch for epoch in job.metrics.epochs] == [1, 2]
    statement = Statement.from_json(job.result.statement)
    assert statement.epochs == 2 and Decimal(0) < job.privacy_budget_spent <= Decimal("1.5")
    contract = consumer.client.get_contract(contract_id)
    report = verify_result(bundle(statement, base64.b64decode(job.result.attestation),
                                  contract), roots=[development_root(
                                      second.root_file.read_bytes())])
    assert report.valid, report.to_json()


def test_a_job_that_keeps_breaking_off_fails_charged_for_its_reported_epochs(
        new_party, parent_held, enclaves):
    _, consumer, contract_id = active_contract(new_party, local_measurements()[0].hex())
    job_id = start(consumer.client, contract_id, epochs=2, epsilon=1.5)["id"]
    first = enclaves()
    runner = runner_for(first, parent_held, max_attempts=1)
    message = crash_after_first_epoch(runner, first, job_id)
    reported = DynamoBudgetStore().job(job_id).progress.epsilon_spent
    runner.queue.extend(message, 0)
    runner.handle(next_message(runner.queue, job_id))  # the second receive: over the limit
    job = consumer.client._call("GET", f"/api/v1/training-jobs/{job_id}")
    assert job["status"] == "failed" and "broke off" in job["error"]
    assert Decimal(job["privacy_budget_spent"]) == reported > 0
    budget = consumer.client._call("GET", f"/api/v1/contracts/{contract_id}/privacy-budget")
    assert Decimal(budget["epsilon_available"]) == Decimal(3) - reported
    assert Decimal(budget["epsilon_reserved"]) == 0
