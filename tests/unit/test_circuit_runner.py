"""Circuit evaluations end to end on the parent's side: a deployment gets a KMS-style input key
pair, a committed requestEvaluation queues a job, and the parent (training_runner) has the key
released to the real enclave app (over TCP, simulated attestation), evaluates and records the
result through the engine function's direct invocation (its handler's routing, over an
in-memory engine service), which the contract verifies."""

from __future__ import annotations

import base64
import io
import json
import os
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from eth_utils import to_checksum_address

from cms.adapters.engine_function import CIRCUIT_RELAYER
from cms.adapters.job_queue import JobMessage
from cms.adapters.memory.engine import MemoryContractStorage
from cms.adapters.memory.job_queue import MemoryJobQueue
from cms.domain.attestation import development_root
from cms.domain.engine import circuits
from cms.domain.engine.circuit_contract import (
    READ_ONLY_FUNCTIONS,
    CircuitContract,
    evaluation_job,
)
from cms.domain.engine.circuit_library import comparator
from cms.domain.engine.errors import EngineValidationError
from cms.domain.engine.kinds import Invocation, Prepared
from cms.domain.engine.records import CIRCUIT_KIND
from cms.domain.engine.unified import Deployment, UnifiedContractEngine, builtin_kinds
from cms.services.circuit_evaluations import CircuitEvaluations
from cms.services.engine import EngineService
from cms_client.circuits import encrypt_for, submit_input
from enclave_app.attestation_module import SimulatedModule
from enclave_app.server import EnclaveApp
from enclave_app.transport import Address, Server
from functions.engine.app import direct_call
from local_stack.stack import free_port
from training_runner.circuit_runner import CircuitQueue, CircuitRunner
from training_runner.enclave_runner import EnclaveRunner
from training_runner.engine_invoker import EngineFunction
from training_runner.key_release import SimulatedKeyRelease

ALICE, BOB, CAROL = "0x" + "a1" * 20, "0x" + "b2" * 20, "0x" + "c3" * 20


class FakeKms:
    """KMS's part of key custody: pairs whose private half is only ever handed out wrapped,
    and Decrypt (SimulatedKeyRelease checks the attestation before calling it)."""

    def __init__(self) -> None:
        self.wrapped: dict[bytes, bytes] = {}

    def generate_input_key_pair(self) -> tuple[bytes, bytes]:
        private = ec.generate_private_key(ec.SECP256R1())
        blob = b"wrapped:" + os.urandom(16)
        self.wrapped[blob] = private.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        return circuits.public_key_der(private.public_key()), blob

    def decrypt(self, KeyId: str, CiphertextBlob: bytes) -> dict[str, bytes]:  # noqa: N803
        return {"Plaintext": self.wrapped[CiphertextBlob]}


class FakeQueue:
    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.deleted: list[str] = []

    def send(self, job: dict) -> None:
        self.sent.append(job)

    def delete(self, message: JobMessage) -> None:
        self.deleted.append(message.receipt)


class CircuitKind:
    """The engine adapter for circuit contracts (as the engine's own kinds are written)."""

    def __init__(self, roots: tuple) -> None:
        self.roots = roots

    def prepare(self, init_args: Any, code: Any, manifest: Any, gas: Any) -> Prepared:
        return Prepared({"functions": {}}, dict(init_args))

    def _contract(self, call: Invocation) -> CircuitContract:
        return CircuitContract(call.state, call.gas, roots=self.roots,
                               address=call.context.contract_address,
                               events=lambda event: call.emit(event.to_dict()),
                               now=datetime.fromtimestamp(call.context.timestamp, UTC))

    def construct(self, call: Invocation) -> None:
        self._contract(call).init(**call.metadata.init_args)

    def call(self, call: Invocation) -> Any:
        return self._contract(call).call(call.function, call.args, call.context.caller)

    def is_read_only(self, metadata: Any, function: str) -> bool:
        return function in READ_ONLY_FUNCTIONS

    def caller_independent(self, metadata: Any) -> bool:
        return True


@pytest.fixture(scope="module")
def enclave():
    module = SimulatedModule()
    server = Server(Address.parse("tcp://127.0.0.1:0"), EnclaveApp(module).handle).start()
    yield module, Address("tcp", "127.0.0.1", server.port)
    server.stop()


class EngineFunctionInvoke:
    """lambda.invoke (RequestResponse) of the engine function, run here: the event and the
    answer go through JSON like Lambda's payloads."""

    def __init__(self, engine: EngineService) -> None:
        self.engine = engine
        self.events: list[dict] = []

    def __call__(self, **request: Any) -> dict:
        assert request["FunctionName"] == "cms-engine"
        assert request["InvocationType"] == "RequestResponse"
        event = json.loads(request["Payload"])
        self.events.append(event)
        answer = json.dumps(direct_call(event, self.engine)).encode()
        return {"StatusCode": 200, "Payload": io.BytesIO(answer)}


class Platform:
    def __init__(self, enclave, *, allowed: list[str] | None = None) -> None:
        module, self.address = enclave
        self.pcr0 = module.pcrs[0].hex()
        root = development_root(module.root_pem)
        self.kms, self.queue = FakeKms(), FakeQueue()
        self.evaluations = CircuitEvaluations(self.queue, self.kms)  # type: ignore[arg-type]
        self.engine = EngineService(
            UnifiedContractEngine(MemoryContractStorage(),
                                  kinds={**builtin_kinds(), CIRCUIT_KIND: CircuitKind((root,))}),
            hooks=[self.evaluations.on_committed])
        self.keys = SimulatedKeyRelease("training-key", root, {self.pcr0}, kms=self.kms)
        # The parent's engine: reads from the service, calls through the engine function.
        self.invoke = EngineFunctionInvoke(self.engine)
        self.parent_engine = EngineFunction(self.engine, "cms-engine", self.invoke)
        self.released: list[tuple[str, str]] = []  # (requester, address): places given back
        self.circuits = CircuitRunner(self.parent_engine, self.keys, self.address,
                                      release=lambda *place: self.released.append(place))
        self.runner = CircuitQueue(self.queue, self.circuits)  # type: ignore[arg-type]
        self.circuit = comparator(16)
        init_args = self.evaluations.prepare_deploy({
            "circuit": self.circuit, "parties": {"alice": ALICE, "bob": BOB},
            "enclave_pcr0s": allowed or [self.pcr0]})
        self.contract = self.engine.engine.deploy_contract(Deployment(
            kind=CIRCUIT_KIND, deployer=CAROL, init_args=init_args,
            gas_limit=10_000_000)).address

    def call(self, caller: str, function: str, **args: Any) -> Any:
        result = self.engine.execute(caller, self.contract, function, args or None,
                                     gas_limit=10_000_000)
        assert result.success, result.error
        return result.return_value

    def submit(self, party: str, caller: str, value: int) -> None:
        """As a party's SDK does it (cms_client.circuits), through a client for ``caller``."""
        submit_input(PartyClient(self, caller), self.contract, party,  # type: ignore[arg-type]
                     value)

    def requested(self) -> JobMessage:
        self.submit("alice", ALICE, 30_000)
        self.submit("bob", BOB, 40_000)
        assert self.queue.sent == []  # inputs alone queue nothing
        self.call(ALICE, "requestEvaluation")
        [job] = self.queue.sent
        return JobMessage(job, "receipt-1", 1)


class PartyClient:
    """CmsClient.execute's shape over the engine service, as one party."""

    def __init__(self, platform: Platform, caller: str) -> None:
        self.platform, self.caller = platform, caller

    def execute(self, address: str, function: str, args: dict | None = None) -> dict:
        return {"return_value": self.platform.call(self.caller, function, **(args or {}))}


def test_a_requested_evaluation_is_queued_evaluated_and_recorded(enclave):
    platform = Platform(enclave)
    message = platform.requested()
    assert message.body == {"kind": "circuit", "address": platform.contract,
                            "requester": to_checksum_address(ALICE)}
    platform.circuits.handle(message, platform.queue)  # type: ignore[arg-type]
    assert platform.queue.deleted == ["receipt-1"]
    # Its requester's place in the quota is free again.
    assert platform.released == [(to_checksum_address(ALICE), platform.contract)]
    result = platform.call(CAROL, "result")
    assert result["status"] == "evaluated" and result["outputs"] == {"a_greater": False}
    assert result["pcr0"] == platform.pcr0 and result["development"] is True
    [event] = platform.invoke.events  # recorded by invoking the engine function
    assert set(event) == {"engine_call"}
    assert {k: v for k, v in event["engine_call"].items() if k != "args"} == {
        "address": platform.contract, "function": "recordResult", "gas_limit": 10_000_000}
    assert set(event["engine_call"]["args"]) == {"statement", "document"}
    [record] = [r for r in platform.engine.history(platform.contract).records
                if r.function == "recordResult"]
    assert record.caller == CIRCUIT_RELAYER and record.success
    platform.circuits.handle(JobMessage(message.body, "receipt-2", 1),  # a duplicate job
                             platform.queue)  # type: ignore[arg-type]
    assert platform.queue.deleted == ["receipt-1", "receipt-2"]
    assert platform.call(CAROL, "result") == result


def test_a_job_for_an_unrequested_evaluation_is_dropped(enclave):
    platform = Platform(enclave)
    handle, queue = platform.circuits.handle, platform.queue
    handle(JobMessage(evaluation_job(platform.contract), "r", 1), queue)  # type: ignore[arg-type]
    handle(JobMessage(evaluation_job(CAROL), "r-none", 1), queue)  # type: ignore[arg-type]
    assert platform.queue.deleted == ["r", "r-none"]
    assert platform.call(CAROL, "result") is None


def test_an_unreachable_enclave_leaves_the_job_for_a_retry(enclave):
    platform = Platform(enclave)
    message = platform.requested()
    closed = Address("tcp", "127.0.0.1", free_port())
    released: list[tuple[str, str]] = []
    runner = CircuitRunner(platform.parent_engine, platform.keys, closed,
                           release=lambda *place: released.append(place))
    runner.handle(message, platform.queue)  # type: ignore[arg-type]
    assert platform.queue.deleted == [] and released == []  # still in flight
    runner.handle(JobMessage(message.body, "last", 3), platform.queue)  # type: ignore[arg-type]
    assert platform.queue.deleted == ["last"]
    assert released == [(to_checksum_address(ALICE), platform.contract)]  # given up: freed


def test_an_image_the_contract_does_not_allow_records_nothing(enclave):
    platform = Platform(enclave, allowed=["ab" * 48])
    platform.circuits.handle(platform.requested(), platform.queue)  # type: ignore[arg-type]
    assert platform.queue.deleted == ["receipt-1"]
    assert platform.released == [(to_checksum_address(ALICE), platform.contract)]
    assert platform.call(CAROL, "result") is None
    assert platform.call(CAROL, "inputStatus")["requested"] is True


def test_the_platform_makes_the_input_key_and_refuses_one_supplied(enclave):
    platform = Platform(enclave)
    mine = {"circuit": comparator(4), "enclave_pcr0s": [platform.pcr0],
            "parties": {"alice": "0x" + "0a" * 20, "bob": "0x" + "0b" * 20}}
    made = len(platform.kms.wrapped)
    with pytest.raises(EngineValidationError):  # checked before KMS makes a key pair
        platform.evaluations.prepare_deploy({**mine, "circuit": {}})
    assert len(platform.kms.wrapped) == made
    args = platform.evaluations.prepare_deploy(mine)
    assert set(args) == {*mine, "input_public_key", "wrapped_input_key"}
    assert base64.b64decode(args["wrapped_input_key"]) in platform.kms.wrapped
    with pytest.raises(EngineValidationError, match="do not send"):
        platform.evaluations.prepare_deploy({"input_public_key": "mine"})


def test_only_a_circuit_contracts_evaluation_request_queues_a_job(enclave):
    platform = Platform(enclave)
    requested = [{"event": "EvaluationRequested", "args": {}}]
    platform.evaluations.on_committed(CAROL, "erc20", requested)
    platform.evaluations.on_committed(CAROL, CIRCUIT_KIND, [{"event": "InputSubmitted"}])
    assert platform.queue.sent == []
    platform.evaluations.on_committed(CAROL, CIRCUIT_KIND, requested)
    assert platform.queue.sent == [{"kind": "circuit", "address": CAROL}]
    platform.evaluations.on_committed(CAROL, CIRCUIT_KIND, [
        {"event": "EvaluationRequested", "args": {"requester": ALICE}}])
    assert platform.queue.sent[-1] == {"kind": "circuit", "address": CAROL, "requester": ALICE}


def test_the_sdk_refuses_a_party_the_circuit_does_not_have(enclave):
    platform = Platform(enclave)
    info = platform.call(ALICE, "circuitInfo")
    with pytest.raises(ValueError, match="not a party"):
        encrypt_for(info, "carol", 5)
    bits = encrypt_for(info, "bob", [True] * 16)  # bits work as well as an integer
    assert len(base64.b64decode(bits)) == circuits.ciphertext_size(16)


def test_a_circuit_may_only_name_the_platforms_enclave_images(enclave):
    platform = Platform(enclave)
    evaluations = CircuitEvaluations(platform.queue, platform.kms,
                                     platform_pcr0s=[platform.pcr0.upper()])
    mine = {"circuit": comparator(4), "parties": {"alice": ALICE, "bob": BOB}}
    made = len(platform.kms.wrapped)
    with pytest.raises(EngineValidationError, match="images this platform runs") as refused:
        evaluations.prepare_deploy({**mine, "enclave_pcr0s": [platform.pcr0, "ab" * 48]})
    assert refused.value.field == "init_args/enclave_pcr0s"
    assert len(platform.kms.wrapped) == made  # refused before any key pair was made
    assert "wrapped_input_key" in evaluations.prepare_deploy(
        {**mine, "enclave_pcr0s": [platform.pcr0]})
    nothing = CircuitEvaluations(platform.queue, platform.kms, platform_pcr0s=())
    with pytest.raises(EngineValidationError, match="none is configured"):
        nothing.prepare_deploy({**mine, "enclave_pcr0s": [platform.pcr0]})


def test_the_circuits_loop_serves_its_own_queue(enclave):
    platform = Platform(enclave)
    queue = MemoryJobQueue()
    queue.send(platform.requested().body)
    loop = CircuitQueue(queue, platform.circuits)
    assert loop.run_once(wait_s=0, held=lambda: True) == 1  # held: given back untouched
    assert loop.run_once(wait_s=0) == 1
    assert queue.waiting() == []
    assert platform.released == [(to_checksum_address(ALICE), platform.contract)]
    assert platform.call(CAROL, "result")["status"] == "evaluated"


def test_an_evaluation_queued_with_training_jobs_before_they_parted_still_runs(enclave):
    platform = Platform(enclave)
    training = EnclaveRunner(platform.queue, None, None, platform.keys,  # type: ignore[arg-type]
                             platform.address, circuits=platform.circuits)
    training.handle(platform.requested())
    assert platform.queue.deleted == ["receipt-1"]
    assert platform.call(CAROL, "result")["status"] == "evaluated"
