"""The contract engine's service on the in-memory store: deployments owned by the caller,
executions as the caller's address, failures with the contract's error, batches, the result
cache, history pages, health, figures, and what is refused before anything runs.

The HTTP surface (status codes, the gateway, DynamoDB) is tested end to end in
tests/e2e/test_engine_api.py; the routes in process in tests/unit/test_engine_http.py; the
store's guarantees in tests/contract/test_engine_storage.py.
"""

from __future__ import annotations

import base64
import json
from functools import cached_property
from pathlib import Path

import pytest

from cms.bootstrap import MemoryServices
from cms.domain.engine.callers import caller_address
from cms.domain.engine.circuit_library import comparator
from cms.domain.engine.errors import (
    ContractExists,
    ContractNotFound,
    ContractReverted,
    EngineValidationError,
)
from cms.domain.identity import Caller
from cms.services.circuit_evaluations import CircuitEvaluations
from cms.services.engine import ContractCall, ContractDeployment, ExecutionFailed
from cms_client import Ed25519Signer

OWNER = Caller("did:pkh:eip155:1:0x5B38Da6a701c568545dCfcB03FcB875f56beddC4")
HOLDER = Caller(Ed25519Signer().did)
OWNER_ADDRESS, HOLDER_ADDRESS = caller_address(OWNER.did), caller_address(HOLDER.did)
SUPPLY = 10**24
WASM = Path(__file__).resolve().parents[3] / "contracts" / "wasm"


@pytest.fixture
def engine():
    return MemoryServices().engine


@pytest.fixture
def token(engine) -> str:
    return engine.deploy(OWNER, ContractDeployment("erc20", name="Data credits", init_args={
        "name": "Data credits", "symbol": "DCR", "decimals": 18,
        "initial_supply": str(SUPPLY)})).metadata.address


def call(function: str, gas_limit: int | None = None, **args: object) -> ContractCall:
    return ContractCall(function, args or None, gas_limit=gas_limit)


def balance(engine, token: str, account: str) -> int:
    return int(engine.call(HOLDER, token, call("balanceOf", account=account)).return_value)


def failure(run) -> ExecutionFailed:
    with pytest.raises(ExecutionFailed) as failed:
        run()
    return failed.value


# -- ownership and callers --------------------------------------------------------------------

def test_the_deployer_owns_the_token_and_the_caller_is_the_identity(engine, token):
    contract = engine.contract(token)
    assert contract.metadata.owner == OWNER_ADDRESS == OWNER.did.rsplit(":", 1)[1]
    assert contract.metadata.owner_did == OWNER.did
    assert contract.metadata.kind == "erc20"
    assert "transfer" in contract.metadata.manifest["functions"]
    assert contract.executions == 1 and contract.last_execution_at  # the constructor

    result = engine.call(OWNER, token, call("transfer", to=HOLDER_ADDRESS, value="250"))
    assert result.success is True and result.return_value is True
    assert result.gas_used > 21_000 and result.execution_id
    [event] = result.events
    assert event["event"] == "Transfer"
    assert event["args"] == {"from": OWNER_ADDRESS, "to": HOLDER_ADDRESS, "value": "250"}
    assert balance(engine, token, HOLDER_ADDRESS) == 250
    assert balance(engine, token, OWNER_ADDRESS) == SUPPLY - 250
    assert engine.contract(token).executions == 4  # reads are recorded too


def test_the_same_salt_gives_the_same_deployer_the_same_address_once(engine):
    request = ContractDeployment("erc20", init_args={"name": "Salted", "symbol": "SLT"},
                                 salt="0x" + "07" * 32)
    first = engine.deploy(OWNER, request).metadata.address
    with pytest.raises(ContractExists):
        engine.deploy(OWNER, request)
    other = engine.deploy(HOLDER, request).metadata.address
    assert other != first  # CREATE2: the deployer is in the address


# -- failures ---------------------------------------------------------------------------------

def test_a_revert_is_a_failure_with_the_solidity_error_and_changes_nothing(engine, token):
    problem = failure(lambda: engine.call(HOLDER, token, call(
        "transfer", to=OWNER_ADDRESS, value="1")))
    assert (problem.code, problem.status) == ("contract_reverted", 422)
    assert problem.extra["error"] == "ERC20InsufficientBalance"
    assert problem.extra["arguments"] == [HOLDER_ADDRESS, "0", "1"]
    assert problem.extra["execution_id"] and problem.extra["gas_used"] > 0
    assert problem.extra["selector"].startswith("0x") and problem.extra["data"]
    # Only the owner mints (Ownable), with OpenZeppelin's error.
    problem = failure(lambda: engine.call(HOLDER, token, call(
        "mint", to=HOLDER_ADDRESS, value="5")))
    assert problem.extra["error"] == "OwnableUnauthorizedAccount"
    assert balance(engine, token, HOLDER_ADDRESS) == 0


def test_out_of_gas_spends_the_limit_and_writes_nothing(engine, token):
    transfer = call("transfer", to=HOLDER_ADDRESS, value="7")
    estimate = engine.estimate(OWNER, token, transfer)
    assert estimate.gas > 21_000 and estimate.suggested_gas_limit > estimate.gas
    assert balance(engine, token, HOLDER_ADDRESS) == 0  # the estimate ran dry

    problem = failure(lambda: engine.call(OWNER, token, call(
        "transfer", gas_limit=estimate.gas - 1, to=HOLDER_ADDRESS, value="7")))
    assert problem.code == "gas_exhausted"
    assert problem.extra["gas_used"] == problem.extra["gas_limit"] == estimate.gas - 1
    assert balance(engine, token, HOLDER_ADDRESS) == 0
    engine.call(OWNER, token, call("transfer", gas_limit=estimate.gas, to=HOLDER_ADDRESS,
                                   value="7"))
    assert balance(engine, token, HOLDER_ADDRESS) == 7


def test_an_estimate_of_a_call_that_would_revert_is_that_revert(engine, token):
    with pytest.raises(ContractReverted) as reverted:
        engine.estimate(HOLDER, token, call("transfer", to=OWNER_ADDRESS, value="1"))
    assert reverted.value.error == "ERC20InsufficientBalance"


# -- batches and the cache --------------------------------------------------------------------

def test_a_batch_applies_each_call_on_its_own(engine, token):
    outcome = engine.batch(OWNER, token, [
        call("transfer", to=HOLDER_ADDRESS, value="10"),
        call("transferFrom", **{"from": HOLDER_ADDRESS, "to": HOLDER_ADDRESS, "value": "1"}),
        call("transfer", to=HOLDER_ADDRESS, value="5"),
        call("selfdestruct")])
    assert [r.success for r in outcome.results] == [True, False, True, False]
    assert outcome.results[1].error["error"] == "ERC20InsufficientAllowance"
    refused = outcome.results[3]
    assert refused.execution_id is None and refused.error["code"] == "engine_validation_error"
    assert outcome.to_json()["succeeded"] == 2 and outcome.to_json()["failed"] == 2
    assert balance(engine, token, HOLDER_ADDRESS) == 15


def test_read_only_results_are_cached_until_the_state_moves(engine, token):
    first = engine.call(OWNER, token, call("totalSupply"))
    again = engine.call(HOLDER, token, call("totalSupply"))
    assert (first.cached, again.cached) == (False, True)
    assert again.return_value == str(SUPPLY) and again.execution_id is None
    engine.call(OWNER, token, call("burn", value="1"))
    after = engine.call(OWNER, token, call("totalSupply"))
    assert after.cached is False and after.return_value == str(SUPPLY - 1)


# -- history, health, figures ---------------------------------------------------------------

def test_history_pages_newest_first_and_health_reports(engine, token):
    for value in ("1", "2", "3"):
        engine.call(OWNER, token, call("transfer", to=HOLDER_ADDRESS, value=value))
    failure(lambda: engine.call(HOLDER, token, call("transfer", to=OWNER_ADDRESS,
                                                    value="999")))

    page = engine.history(token, 2)
    assert [r.function for r in page.records] == ["transfer", "transfer"]
    assert page.records[0].success is False and page.next_cursor
    rest = engine.history(token, 50, page.next_cursor)
    records = page.records + rest.records
    assert [r.function for r in records] == ["transfer"] * 4 + ["constructor"]
    assert rest.next_cursor is None
    assert [e["args"]["value"] for r in records[1:4] for e in r.events] == ["3", "2", "1"]
    # A cursor made from a time: the records before it.
    assert engine.history(token, 50, "0000-00-00T00:00:00.000Z_000000000-0000000000000000"
                          ).records == []

    health = engine.health(token)
    assert health.total_executions == 5 and health.recent_errors == {"contract_reverted": 1}
    assert 0 < health.health_score <= 1 and health.status in {"healthy", "warning"}
    assert any("gas limit" in advice for advice in health.recommendations)


def test_a_cursor_or_limit_out_of_shape_is_refused(engine, token):
    for cursor in ("", "abc", "2026-12-07T06:00:00.000Z#000000000-0000000000000000"):
        with pytest.raises(EngineValidationError):
            engine.history(token, 10, cursor)
    for limit in (0, 101):
        with pytest.raises(EngineValidationError):
            engine.history(token, limit)


def test_engine_info_and_metrics(engine, token):
    engine.call(OWNER, token, call("name"))
    info = engine.info()
    assert set(info.contract_kinds) == {"erc20", "wasm", "confidential_ledger",
                                        "sealed_bid_tally", "circuit"}
    assert info.max_gas_limit == 30_000_000 and info.max_batch == 100
    metrics = engine.metrics()
    assert metrics.total_executions == 2 and metrics.contracts == 1
    assert metrics.active_contracts == 1 and metrics.success_rate == 1
    assert metrics.cache.scope == "instance"


# -- refused before anything runs -------------------------------------------------------------

def test_bad_calls_are_refused_before_anything_runs(engine, token):
    with pytest.raises(ContractNotFound):
        engine.contract("0x" + "ab" * 20)
    with pytest.raises(ContractNotFound):  # a checksum that does not match: no such address
        engine.call(OWNER, "0x" + "aB" * 20, call("name"))
    with pytest.raises(EngineValidationError):
        engine.call(OWNER, token, call("selfdestruct"))
    with pytest.raises(EngineValidationError) as bad:
        engine.call(OWNER, token, call("transfer", to="0x12", value="1"))
    assert bad.value.extra["errors"][0]["pointer"] == "/args/to"
    for value in (-1, "1.5", str(2**256)):
        with pytest.raises(EngineValidationError):
            engine.call(OWNER, token, call("transfer", to=HOLDER_ADDRESS, value=value))
    for limit in (0, 30_000_001, 10**12):
        with pytest.raises(EngineValidationError) as bad:
            engine.call(OWNER, token, call("name", gas_limit=limit))
        assert bad.value.extra["errors"][0]["pointer"] == "/gas_limit"
    for raw in ("0xabc", "zz"):
        with pytest.raises(EngineValidationError):
            engine.call(OWNER, token, ContractCall("name", input=raw))
    assert engine.contract(token).executions == 1


def test_bad_deployments_are_refused_whole(engine):
    for request in (ContractDeployment("solidity", init_args={}),
                    ContractDeployment("erc20", init_args={"name": "x"}),
                    ContractDeployment("erc20", init_args={"name": "x", "symbol": "X",
                                                           "initial_supply": str(2**256)}),
                    ContractDeployment("erc20", init_args={"name": "x", "symbol": "X"},
                                       gas_limit=0),
                    ContractDeployment("erc20", init_args={"name": "x", "symbol": "X"},
                                       salt="07" * 31),
                    ContractDeployment("wasm", code="AGFzbQEAAAAB", code_encoding="base64"),
                    ContractDeployment("wasm", code="not base64!", code_encoding="base64"),
                    ContractDeployment("sealed_bid_tally", init_args={"public_key": {"n": "2"}}),
                    ContractDeployment("circuit", init_args={})):
        with pytest.raises(EngineValidationError):
            engine.deploy(OWNER, request)
    assert engine.metrics().contracts == 0


def test_amounts_past_two_to_the_53_travel_as_decimal_strings(engine):
    wide = engine.deploy(OWNER, ContractDeployment("erc20", init_args={
        "name": "Wide", "symbol": "W", "initial_supply": str(10**30)})).metadata.address
    assert engine.call(OWNER, wide, call("totalSupply")).return_value == str(10**30)
    top = engine.deploy(OWNER, ContractDeployment("erc20", init_args={
        "name": "Top", "symbol": "T", "initial_supply": str(2**256 - 1)})).metadata.address
    problem = failure(lambda: engine.call(OWNER, top, call("mint", to=OWNER_ADDRESS,
                                                           value="1")))
    assert problem.extra["error"] == "Panic"  # Solidity's checked arithmetic
    assert problem.extra["arguments"] == ["17"]


# -- WebAssembly ------------------------------------------------------------------------------

def wasm_source(name: str) -> tuple[str, dict]:
    return ((WASM / f"{name}.wat").read_text(),
            json.loads((WASM / f"{name}.manifest.json").read_text()))


def test_a_webassembly_token_runs(engine):
    code, manifest = wasm_source("token")
    token = engine.deploy(OWNER, ContractDeployment(
        "wasm", name="WASM token", code=code, manifest=manifest, init_args={"supply": 500}))
    assert token.metadata.kind == "wasm" and token.metadata.code_hash.startswith("0x")
    address = token.metadata.address
    sent = engine.call(OWNER, address, ContractCall("transfer", {"to": HOLDER_ADDRESS,
                                                                "amount": 120}))
    assert sent.return_value is True and sent.events[0]["event"] == "Transfer"
    problem = failure(lambda: engine.call(HOLDER, address, ContractCall(
        "transfer", {"to": OWNER_ADDRESS, "amount": 121})))
    assert problem.extra["error"] == "Error"  # the module's abort message, as Error(string)
    batch = engine.batch(OWNER, address, [
        ContractCall("transferBatch", {"to": [HOLDER_ADDRESS] * 2, "amount": [1, 2]}),
        ContractCall("balanceOf", {"account": HOLDER_ADDRESS})])
    assert [r.return_value for r in batch.results] == [True, "123"]


def test_the_binary_travels_as_base64_or_hex_and_raw_input_as_hex(engine):
    from cms.domain.engine.wasm.validation import validate_module

    binary = validate_module('(module (memory (export "memory") 1)'
                             ' (func (export "echo")))').wasm
    for code, encoding in ((base64.b64encode(binary).decode(), "base64"),
                           ("0x" + binary.hex(), "hex")):
        contract = engine.deploy(OWNER, ContractDeployment("wasm", code=code,
                                                           code_encoding=encoding))
        result = engine.call(OWNER, contract.metadata.address,
                             ContractCall("echo", input="0x0102"))
        assert result.success and result.return_value == "0x"


@pytest.mark.parametrize("code", [
    "(module",
    '(module (import "env" "now" (func)) (memory (export "memory") 1))',
    '(module (memory (export "memory") 1) (func (export "not-a-name")))',
    '(module (memory (export "memory") 1) (func (export "' + "f" * 65 + '")))',
])
def test_a_module_that_does_not_validate_is_refused_with_a_pointer_to_it(engine, code):
    with pytest.raises(EngineValidationError) as bad:
        engine.deploy(OWNER, ContractDeployment("wasm", code=code))
    assert bad.value.extra["errors"][0]["pointer"] == "/module"


def test_runaway_calls_stop_and_the_engine_still_answers(engine):
    spin = engine.deploy(OWNER, ContractDeployment("wasm", code=(
        '(module (memory (export "memory") 1) (func (export "spin") (loop $l (br $l)))'
        ' (func (export "grow") (loop $l (br_if $l (i32.ne (memory.grow (i32.const 1))'
        ' (i32.const -1)))) unreachable))'))).metadata.address
    problem = failure(lambda: engine.call(OWNER, spin, call("spin", gas_limit=30_000_000)))
    assert problem.code in {"execution_timeout", "gas_exhausted"}
    assert problem.extra["gas_used"] == 30_000_000
    bomb = failure(lambda: engine.call(OWNER, spin, call("grow")))
    assert bomb.extra["error"] == "Trap"  # memory.grow refused at the limit, then the trap
    assert engine.info().name


# -- circuit contracts ----------------------------------------------------------------------------

PLATFORM_PCR0 = "ab" * 48


class FakeQueue:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    def send(self, job: dict) -> None:
        self.sent.append(job)


class FakeKeys:
    def generate_input_key_pair(self) -> tuple[bytes, bytes]:
        from cryptography.hazmat.primitives.asymmetric import ec

        from cms.domain.engine.circuits import public_key_der

        key = ec.generate_private_key(ec.SECP256R1())
        return public_key_der(key.public_key()), b"wrapped"


class CircuitServices(MemoryServices):
    """Circuit contracts configured: the input keys and the queue are fakes; the platform
    runs the enclave images ``pcr0s``."""

    def __init__(self, *pcr0s: str) -> None:
        super().__init__()
        self._pcr0s = pcr0s or (PLATFORM_PCR0,)

    @cached_property
    def circuit_evaluations(self) -> CircuitEvaluations:
        return CircuitEvaluations(FakeQueue(), FakeKeys(),  # type: ignore[arg-type]
                                  platform_pcr0s=self._pcr0s)


def circuit(pcr0: str = PLATFORM_PCR0, **extra: object) -> ContractDeployment:
    return ContractDeployment("circuit", name="Who bids more", init_args={
        "circuit": comparator(4), "parties": {"alice": OWNER_ADDRESS, "bob": HOLDER_ADDRESS},
        "enclave_pcr0s": [pcr0], **extra})


def test_a_circuit_contract_gets_its_input_key_from_the_platform():
    services = CircuitServices()
    contract = services.engine.deploy(OWNER, circuit())
    assert {"input_public_key", "wrapped_input_key"} <= set(contract.metadata.init_args)
    address = contract.metadata.address
    status = services.engine.call(HOLDER, address, call("inputStatus")).return_value
    assert status["complete"] is False
    problem = failure(lambda: services.engine.call(OWNER, address, call("requestEvaluation")))
    assert problem.code == "contract_reverted"  # the inputs are missing
    assert services.circuit_evaluations._queue.sent == []


def test_a_circuit_contract_may_only_name_the_platforms_enclave_images():
    with pytest.raises(EngineValidationError) as bad:
        CircuitServices().engine.deploy(OWNER, circuit("cd" * 48))
    assert bad.value.extra["errors"][0]["pointer"] == "/init_args/enclave_pcr0s"


def test_a_caller_cannot_supply_the_input_key():
    with pytest.raises(EngineValidationError) as bad:
        CircuitServices().engine.deploy(OWNER, circuit(input_public_key="x"))
    assert "input key" in bad.value.detail


def test_circuit_contracts_need_the_platforms_keys_and_queue(engine):
    with pytest.raises(EngineValidationError) as bad:
        engine.deploy(OWNER, circuit())
    assert bad.value.extra["errors"][0]["pointer"] == "/kind"
