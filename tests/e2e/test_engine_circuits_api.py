"""A boolean-circuit contract through the HTTP API on the local stack: two parties compare
secret numbers (Yao's millionaires), each encrypting on its own machine; the enclave process
evaluates, and the contract verifies the attested result before recording it. The parent
records it by invoking the engine function (it may only read the engine table), which runs
recordResult as the platform's relayer address."""

from __future__ import annotations

import time

import pytest

from cms.adapters.engine_function import CIRCUIT_RELAYER
from cms.domain.engine.callers import caller_address
from cms.domain.engine.circuit_library import comparator
from cms_client.circuits import submit_input
from enclave_app.attestation_module import local_measurements
from tests.e2e.test_contracts_api import expect_error

pytestmark = pytest.mark.e2e


def deploy(alice, bob, pcr0: str) -> str:
    contract = alice.client.deploy_engine_contract(
        "circuit", name="Who bids more", init_args={
            "circuit": comparator(16),
            "parties": {"alice": caller_address(alice.did), "bob": caller_address(bob.did)},
            "enclave_pcr0s": [pcr0]})
    return contract["address"]


def recorded(client, address: str, timeout_s: float = 90.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = client.execute(address, "result")["return_value"]
        if result is not None:
            return result
        time.sleep(0.5)
    raise AssertionError("the enclave's result was never recorded")


def test_two_parties_learn_only_who_is_greater(new_party):
    alice, bob = new_party("eth"), new_party("ed25519")
    address = deploy(alice, bob, local_measurements()[0].hex())
    info = alice.client.engine_contract(address)
    assert "input_public_key" in info["init_args"] and "wrapped_input_key" in info["init_args"]

    submit_input(alice.client, address, "alice", 41_000)
    expect_error(lambda: alice.client.execute(address, "requestEvaluation"), 422,
                 "contract_reverted")  # bob's input is missing
    submit_input(bob.client, address, "bob", 39_500)
    status = bob.client.execute(address, "inputStatus")["return_value"]
    assert status["complete"] and not status["requested"]
    requested = bob.client.execute(address, "requestEvaluation")
    assert [e["event"] for e in requested["events"]] == ["EvaluationRequested"]

    result = recorded(alice.client, address)
    assert result["status"] == "evaluated" and result["outputs"] == {"a_greater": True}
    assert result["development"] is True  # the local enclave's development root
    history = alice.client.engine_history(address)["items"]
    recorder = next(r for r in history if r["function"] == "recordResult")
    assert recorder["success"] and recorder["events"][0]["event"] == "ResultRecorded"
    assert recorder["caller"] == CIRCUIT_RELAYER  # through the engine function
    # Nobody can record another result now, nor submit again.
    expect_error(lambda: alice.client.execute(address, "requestEvaluation"), 422,
                 "contract_reverted")


def test_a_contract_may_only_name_the_platforms_enclave_images(new_party):
    """The function's own environment names the images the platform runs."""
    alice, bob = new_party("eth"), new_party("eth")
    problem = expect_error(lambda: deploy(alice, bob, "ab" * 48), 400,
                           "engine_validation_error")
    assert problem["errors"][0]["pointer"] == "/init_args/enclave_pcr0s"


def queued(stack, variable: str) -> int:
    """Messages on one of the parent's queues (visible or held)."""
    import boto3

    from local_stack.enclave import parent_environment

    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=parent_environment(stack.functions)[variable],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(count) for count in attributes.values())


def ready(alice, bob, pcr0: str) -> str:
    address = deploy(alice, bob, pcr0)
    submit_input(alice.client, address, "alice", 7)
    submit_input(bob.client, address, "bob", 9)
    return address


def test_evaluations_wait_on_their_own_queue_within_each_identitys_quota(new_party, stack):
    """Two evaluations of one identity at once (the default); they never reach the training
    queue; the parent gives each place back once it has recorded the result."""
    alice, bob = new_party("eth"), new_party("eth")
    pcr0 = local_measurements()[0].hex()
    first, second, third = (ready(alice, bob, pcr0) for _ in range(3))
    with stack.paused("training-parent"):  # the parent's loops hold off: jobs stay queued
        training_before = queued(stack, "CMS_TRAINING_QUEUE_URL")
        alice.client.execute(first, "requestEvaluation")
        alice.client.execute(second, "requestEvaluation")
        expect_error(lambda: alice.client.execute(third, "requestEvaluation"), 409,
                     "evaluation_limit_reached")
        assert queued(stack, "CMS_CIRCUITS_QUEUE_URL") >= 2
        assert queued(stack, "CMS_TRAINING_QUEUE_URL") == training_before
    assert recorded(alice.client, first)["status"] == "evaluated"
    assert recorded(alice.client, second)["status"] == "evaluated"
    deadline = time.monotonic() + 30  # the parent releases right after recording
    while True:
        try:
            alice.client.execute(third, "requestEvaluation")
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    assert recorded(bob.client, third)["status"] == "evaluated"
