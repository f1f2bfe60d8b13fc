"""Circuit evaluations on their own queue, within per-identity quotas, on the in-memory
stores: what one identity can make the enclave do for free is bounded, and none of it waits
in front of a training job.

The quota values are tested in tests/unit/test_circuit_quotas.py, the stores in
tests/contract/test_quota_store.py, the parent's loop in tests/unit/test_circuit_runner.py and
the whole path through the gateway in tests/e2e/test_engine_circuits_api.py."""

from __future__ import annotations

from typing import Any

import pytest

from cms.bootstrap import MemoryServices
from cms.config import Settings
from cms.domain.engine.callers import caller_address
from cms.domain.engine.circuit_library import comparator
from cms.domain.errors import EvaluationLimitReached, RateLimited
from cms.domain.identity import Caller
from cms.services.engine import ContractCall, ContractDeployment, ExecutionFailed
from cms_client import Ed25519Signer
from cms_client.circuits import submit_input
from tests.unit.test_engine_http import EngineFunction

PCR0 = "ab" * 48
ALICE = Caller("did:pkh:eip155:1:0x5B38Da6a701c568545dCfcB03FcB875f56beddC4")
BOB = Caller(Ed25519Signer().did)


def circuit_services(**settings: Any) -> MemoryServices:
    """Circuit contracts configured as the engine function has them: the circuits queue, the
    training key, the platform's image."""
    return MemoryServices(Settings(
        training_key_id="memory-training-key", enclave_pcr0s=(PCR0,),
        resources={"CMS_CIRCUITS_QUEUE_URL": "memory://circuits",
                   "CMS_TRAINING_QUEUE_URL": "memory://training"}, **settings))


class Party:
    """cms_client's ``execute`` over the engine service, as one identity."""

    def __init__(self, services: MemoryServices, caller: Caller) -> None:
        self.services, self.caller = services, caller

    def execute(self, address: str, function: str, args: dict | None = None) -> dict:
        result = self.services.engine.call(self.caller, address, ContractCall(function, args))
        return {"return_value": result.return_value, "events": result.events}


def ready_contract(services: MemoryServices, deployer: Caller = ALICE) -> str:
    """A comparator whose two inputs are in: one ``requestEvaluation`` from an evaluation."""
    address = services.engine.deploy(deployer, ContractDeployment("circuit", init_args={
        "circuit": comparator(4),
        "parties": {"alice": caller_address(ALICE.did), "bob": caller_address(BOB.did)},
        "enclave_pcr0s": [PCR0]})).metadata.address
    submit_input(Party(services, ALICE), address, "alice", 3)  # type: ignore[arg-type]
    submit_input(Party(services, BOB), address, "bob", 5)  # type: ignore[arg-type]
    return address


def request(services: MemoryServices, caller: Caller, address: str) -> dict:
    return Party(services, caller).execute(address, "requestEvaluation")


def test_evaluations_go_to_their_own_queue_not_the_training_queue():
    # A stream of them used to share the training queue (and its one runner) with training.
    services = circuit_services()
    address = ready_contract(services)
    request(services, ALICE, address)
    assert services.job_queue.waiting() == []
    assert services.circuit_queue.waiting() == [{
        "kind": "circuit", "address": address, "requester": caller_address(ALICE.did)}]


def test_an_identity_has_at_most_its_number_of_evaluations_in_flight():
    services = circuit_services(circuit_evaluations_at_once=2)
    first, second, third = (ready_contract(services) for _ in range(3))
    request(services, ALICE, first)
    request(services, ALICE, second)
    with pytest.raises(EvaluationLimitReached) as refused:
        request(services, ALICE, third)
    assert (refused.value.status, refused.value.code) == (409, "evaluation_limit_reached")
    assert len(services.circuit_queue.waiting()) == 2  # nothing ran for the third
    request(services, BOB, third)  # another identity's quota is its own
    # Once the parent is done with a job, its requester's place is free again.
    services.circuit_quotas.release_evaluation(caller_address(ALICE.did), first)
    fourth = ready_contract(services)
    request(services, ALICE, fourth)


def test_a_request_that_does_not_commit_gives_its_place_back():
    services = circuit_services(circuit_evaluations_at_once=1)
    incomplete = services.engine.deploy(ALICE, ContractDeployment("circuit", init_args={
        "circuit": comparator(4),
        "parties": {"alice": caller_address(ALICE.did), "bob": caller_address(BOB.did)},
        "enclave_pcr0s": [PCR0]})).metadata.address
    for _ in range(3):  # the inputs are missing: reverted, and the place is given back
        with pytest.raises(ExecutionFailed):
            request(services, ALICE, incomplete)
    address = ready_contract(services)
    request(services, ALICE, address)
    with pytest.raises(ExecutionFailed):  # requested twice: reverted, but the first request's
        request(services, ALICE, address)  # place stays held
    with pytest.raises(EvaluationLimitReached):
        request(services, ALICE, ready_contract(services))
    assert len(services.circuit_queue.waiting()) == 1


def test_requests_per_window_are_limited_with_a_retry_after():
    services = circuit_services(circuit_evaluations_per_window=2,
                                circuit_evaluations_at_once=5)
    for _ in range(2):
        request(services, ALICE, ready_contract(services))
    with pytest.raises(RateLimited) as refused:
        request(services, ALICE, ready_contract(services))
    assert refused.value.status == 429 and 0 < refused.value.retry_after <= 3600


def test_deployments_per_window_are_limited_before_kms_makes_a_key_pair():
    services = circuit_services(circuit_deployments_per_window=2)
    made = []
    generate = services.data_keys.generate_input_key_pair
    services.data_keys.generate_input_key_pair = lambda: made.append(1) or generate()
    ready_contract(services, BOB)
    ready_contract(services, BOB)
    with pytest.raises(RateLimited):
        ready_contract(services, BOB)
    assert len(made) == 2
    ready_contract(services, ALICE)  # another deployer


def test_batches_take_the_quota_too():
    services = circuit_services(circuit_evaluations_at_once=1)
    request(services, ALICE, ready_contract(services))
    address = ready_contract(services)
    with pytest.raises(EvaluationLimitReached):
        services.engine.batch(ALICE, address, [ContractCall("inputStatus"),
                                               ContractCall("requestEvaluation")])


def test_the_routes_answer_409_and_429_problems():
    services = circuit_services(circuit_evaluations_at_once=1,
                                circuit_evaluations_per_window=2)
    engine = EngineFunction(services)  # signed in as ALICE
    first, second = ready_contract(services), ready_contract(services)
    assert engine("POST", f"/contracts/{first}/execute",
                  {"function": "requestEvaluation"})[0] == 200
    status, _, body = engine("POST", f"/contracts/{second}/execute",
                             {"function": "requestEvaluation"})
    assert (status, body["code"]) == (409, "evaluation_limit_reached")
    services.circuit_quotas.release_evaluation(caller_address(ALICE.did), first)
    assert engine("POST", f"/contracts/{second}/execute-batch",
                  {"calls": [{"function": "requestEvaluation"}]})[0] == 200
    services.circuit_quotas.release_evaluation(caller_address(ALICE.did), second)
    status, headers, body = engine("POST", f"/contracts/{ready_contract(services)}/execute",
                                   {"function": "requestEvaluation"})
    assert (status, body["code"]) == (429, "rate_limited") and int(headers["Retry-After"]) > 0
