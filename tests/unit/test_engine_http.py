"""The engine function's routes in process, on the in-memory store: status codes, problem
codes, the bodies each operation declares, and the examples its document shows.

What only the deployed stack shows (the gateway, the authorizer, DynamoDB) stays in
tests/e2e/test_engine_api.py."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from cms.api.schemas.engine import (
    BatchResult,
    ContractHealth,
    EngineContract,
    EngineInfo,
    EngineMetrics,
    ExecutionHistory,
    ExecutionResult,
    GasEstimate,
)
from cms.api.schemas.engine_deploy import (
    CircuitDeployment,
    Erc20Deployment,
    PrivacyDeployment,
    WasmDeployment,
)
from cms.domain.engine.callers import caller_address
from local_stack.lambdas import LambdaContext, fresh_instance
from tests.unit.services.test_engine import CircuitServices

OWNER_DID = "did:pkh:eip155:1:0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"
OWNER = caller_address(OWNER_DID)
HOLDER = "0xAb8483F64d9C6d1EcF9b849Ae677dD3315835cb2"
ENGINE = "/api/v1/engine"


class EngineFunction:
    """One instance of the engine function serving ``services``, signed in as the owner."""

    def __init__(self, services: Any = None) -> None:
        self.module = fresh_instance("functions.engine.app")
        self.module.runtime.use(services or CircuitServices())

    def __call__(self, method: str, path: str, body: Any = None,
                 query: dict[str, str] | None = None) -> tuple[int, dict, Any]:
        event = {
            "httpMethod": method, "path": ENGINE + path, "resource": "/{proxy+}",
            "headers": {"content-type": "application/json"}, "multiValueHeaders": {},
            "queryStringParameters": query, "multiValueQueryStringParameters":
                {k: [v] for k, v in query.items()} if query else None,
            "pathParameters": None, "isBase64Encoded": False,
            "body": None if body is None else json.dumps(body),
            "requestContext": {"requestId": "r1", "stage": "v1", "httpMethod": method,
                               "path": ENGINE + path, "identity": {"sourceIp": "192.0.2.1"},
                               "authorizer": {"principalId": OWNER_DID, "did": OWNER_DID,
                                              "roles": ""}}}
        context = LambdaContext("cms-engine", 1024, 29, "request-1", time.monotonic())
        answer = self.module.handler(event, context)
        headers = {name: values[-1] for name, values in
                   (answer.get("multiValueHeaders") or {}).items()}
        return (answer["statusCode"], {**headers, **(answer.get("headers") or {})},
                json.loads(answer["body"]) if answer.get("body") else None)


@pytest.fixture
def api() -> EngineFunction:
    return EngineFunction()


@pytest.fixture
def token(api) -> str:
    status, _, body = api("POST", "/contracts", Erc20Deployment.model_config[
        "json_schema_extra"]["examples"][0])
    assert status == 201, body
    return body["address"]


def test_every_deployment_example_deploys():
    [pcr0] = CircuitDeployment.model_config["json_schema_extra"]["examples"][0]["init_args"][
        "enclave_pcr0s"]
    api = EngineFunction(CircuitServices(pcr0))
    for model in (Erc20Deployment, WasmDeployment, PrivacyDeployment, CircuitDeployment):
        for example in model.model_config["json_schema_extra"]["examples"]:
            status, headers, body = api("POST", "/contracts", example)
            assert status == 201, body
            contract = EngineContract.model_validate(body)
            assert contract.kind == example["kind"] and contract.owner == OWNER
            assert headers["Location"] == f"{ENGINE}/contracts/{contract.address}"


def test_each_operation_answers_its_declared_body(api, token):
    transfer = {"function": "transfer", "args": {"to": HOLDER, "value": "250"}}
    status, _, body = api("POST", f"/contracts/{token}/execute", transfer)
    assert status == 200 and ExecutionResult.model_validate(body).success
    status, _, body = api("POST", f"/contracts/{token}/execute-batch", {"calls": [
        transfer, {"function": "balanceOf", "args": {"account": HOLDER}}]})
    assert status == 200
    assert [r.return_value for r in BatchResult.model_validate(body).results] == [True, "500"]
    status, _, body = api("POST", f"/contracts/{token}/estimate-gas", transfer)
    assert status == 200 and GasEstimate.model_validate(body).gas > 21_000
    for path, model in ((f"/contracts/{token}", EngineContract),
                        (f"/contracts/{token}/history", ExecutionHistory),
                        (f"/contracts/{token}/health", ContractHealth),
                        ("/info", EngineInfo), ("/metrics", EngineMetrics)):
        status, headers, body = api("GET", path)
        assert status == 200 and headers["ETag"], (path, body)
        model.model_validate(body)


def test_a_failed_call_is_a_problem_with_the_contracts_error(api, token):
    status, _, problem = api("POST", f"/contracts/{token}/execute", {
        "function": "transferFrom", "args": {"from": HOLDER, "to": OWNER, "value": "1"},
        "gas_limit": 100_000})
    assert (status, problem["code"]) == (422, "contract_reverted"), problem
    assert problem["error"] == "ERC20InsufficientAllowance"
    assert problem["arguments"] == [OWNER, "0", "1"]
    assert problem["execution_id"] and problem["gas_limit"] == 100_000
    status, _, problem = api("POST", f"/contracts/{token}/execute",
                             {"function": "transfer", "args": {"to": HOLDER, "value": "1"},
                              "gas_limit": 21_001})
    assert (status, problem["code"], problem["gas_used"]) == (422, "gas_exhausted", 21_001)


@pytest.mark.parametrize("body, pointer", [
    ({"function": "name", "gas_limit": 0}, "/gas_limit"),
    ({"function": "name", "gas_limit": 10**12}, "/gas_limit"),
    ({"function": "name", "unknown": 1}, "/unknown"),
    ({"function": "not-a-name"}, "/function"),
    ({"function": "name", "input": "0xabc"}, "/input"),
])
def test_a_call_out_of_its_shape_is_a_validation_problem(api, token, body, pointer):
    status, _, problem = api("POST", f"/contracts/{token}/execute", body)
    assert (status, problem["code"]) == (400, "validation_error"), problem
    assert problem["errors"][0]["pointer"] == pointer


def test_calls_the_contract_refuses_are_engine_validation_problems(api, token):
    status, _, problem = api("POST", f"/contracts/{token}/execute", {
        "function": "transfer", "args": {"to": "0x12", "value": "1"}})
    assert (status, problem["code"]) == (400, "engine_validation_error")
    assert problem["errors"][0]["pointer"] == "/args/to"
    status, _, problem = api("POST", f"/contracts/{token}/execute-batch", {"calls": []})
    assert (status, problem["code"]) == (400, "validation_error")


def test_addresses_are_checked_by_shape_then_looked_up(api):
    status, _, problem = api("GET", "/contracts/not-an-address")
    assert (status, problem["code"]) == (400, "validation_error")
    for address in ("0x" + "ab" * 20, "0x" + "aB" * 20):  # absent, or a wrong checksum
        status, _, problem = api("POST", f"/contracts/{address}/execute", {"function": "name"})
        assert (status, problem["code"]) == (404, "contract_not_found")


@pytest.mark.parametrize("body, pointer", [
    ({"kind": "solidity"}, ""),  # no kind it knows: the whole body
    ({"kind": "erc20", "init_args": {"name": "x"}}, "/init_args/symbol"),
    ({"kind": "erc20", "init_args": {"name": "x", "symbol": "X", "initial_supply": -1}},
     "/init_args/initial_supply"),
    ({"kind": "erc20", "init_args": {"name": "x", "symbol": "X"}, "salt": "07"}, "/salt"),
    ({"kind": "wasm", "code": ""}, "/code"),
    ({"kind": "wasm", "code": "(module)", "manifest": {"functions": {"a-b": {}}}},
     "/manifest/functions"),
    ({"kind": "circuit", "init_args": {"input_public_key": "x"}}, "/init_args/circuit"),
    # The platform makes a circuit contract's input key: a deployer cannot send one.
    ({**CircuitDeployment.model_config["json_schema_extra"]["examples"][0], "init_args": {
        **CircuitDeployment.model_config["json_schema_extra"]["examples"][0]["init_args"],
        "input_public_key": "x"}}, "/init_args/input_public_key"),
])
def test_a_deployment_out_of_its_shape_is_a_validation_problem(api, body, pointer):
    status, _, problem = api("POST", "/contracts", body)
    assert (status, problem["code"]) == (400, "validation_error"), problem
    assert pointer in {item["pointer"] for item in problem["errors"]}, problem


def test_history_takes_any_position_of_the_cursors_shape(api, token):
    status, _, body = api("GET", f"/contracts/{token}/history", query={"limit": "1"})
    assert status == 200 and body["next_cursor"] is None  # the constructor only
    for cursor in ("2026-12-07T06:00:00.000Z_000000000-0000000000000000",
                   "9999-99-99T99:99:99.999Z_999999999-ffffffffffffffff"):
        status, _, body = api("GET", f"/contracts/{token}/history", query={"cursor": cursor})
        assert status == 200, body
    for query in ({"cursor": "eyJiZWZvcmUiOiAiIn0"}, {"limit": "0"}, {"limit": "101"}):
        status, _, problem = api("GET", f"/contracts/{token}/history", query=query)
        assert (status, problem["code"]) == (400, "validation_error"), problem


def test_a_paillier_key_larger_than_any_call_can_pay_for_is_refused_by_its_shape(api):
    n = format((1 << 8191) | 1, "x")  # 8192 bits: a reveal would be 179M gas of arithmetic
    status, _, problem = api("POST", "/contracts", {
        "kind": "sealed_bid_tally", "init_args": {"public_key": {"n": n}}})
    assert (status, problem["code"]) == (400, "validation_error"), problem
    assert problem["errors"][0]["pointer"] == "/init_args/public_key/n"
    status, _, problem = api("POST", "/contracts", {  # the shape allows 4096 bits exactly
        "kind": "sealed_bid_tally", "init_args": {"public_key": {"n": "f" * 1024}}})
    assert status == 201, problem


def test_an_estimate_is_the_callers_dry_run_in_the_history(api, token):
    transfer = {"function": "transfer", "args": {"to": HOLDER, "value": "250"}}
    status, _, estimate = api("POST", f"/contracts/{token}/estimate-gas", transfer)
    assert status == 200, estimate
    status, _, problem = api("POST", f"/contracts/{token}/estimate-gas",
                             {**transfer, "gas_limit": 21_001})
    assert (status, problem["code"]) == (422, "gas_exhausted"), problem
    status, _, body = api("GET", f"/contracts/{token}/history")
    history = ExecutionHistory.model_validate(body)
    short, ran, constructor = history.items
    assert ran.dry_run and ran.caller == OWNER and ran.gas_used == estimate["gas"]
    assert short.dry_run and short.error and short.error.code == "gas_exhausted"
    assert not constructor.dry_run
