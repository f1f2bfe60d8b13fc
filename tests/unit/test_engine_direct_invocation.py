"""The engine function invoked directly (the enclave parent records circuit results this way,
having only read access to the engine table): the handler's routing, what it refuses, its
answers, and the parent's adapter (training_runner.engine_invoker) reading them."""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from cms.adapters.engine_function import (
    CIRCUIT_RELAYER,
    DIRECT_FUNCTIONS,
    ENGINE_CALL,
    engine_call_event,
)
from cms.bootstrap import Services
from cms.config import Settings
from cms.domain.engine.errors import ContractNotFound
from cms.domain.engine.records import CIRCUIT_KIND
from cms.domain.engine.unified import ExecutionResult
from cms.domain.errors import DependencyUnavailable, DomainError
from functions.engine import app as engine_app
from local_stack.lambdas import LambdaContext, fresh_instance
from training_runner.engine_invoker import EngineCallRefused, EngineFunction

CIRCUIT, TOKEN, NOBODY = "0x" + "c1" * 20, "0x" + "e2" * 20, "0x" + "00" * 20
ARGS = {"statement": {"status": "evaluated"}, "document": "ZG9j"}


@dataclass
class Metadata:
    kind: str


@dataclass
class FakeEngine:
    """The EngineService calls the direct path makes."""

    calls: list[tuple] = field(default_factory=list)
    fail_with: Exception | None = None

    def get_contract(self, address: str) -> Metadata:
        kinds = {CIRCUIT: CIRCUIT_KIND, TOKEN: "erc20"}
        if address not in kinds:
            raise ContractNotFound(f"no contract at {address}")
        return Metadata(kinds[address])

    def execute(self, caller: str, address: str, function: str, args: Any = None,
                gas_limit: int | None = None) -> ExecutionResult:
        if self.fail_with is not None:
            raise self.fail_with
        self.calls.append((caller, address, function, args, gas_limit))
        return ExecutionResult(
            execution_id="x1", address=address, function=function, success=True,
            return_value={"status": "evaluated"}, gas_used=2_900_000,
            gas_limit=gas_limit or 0, events=[{"event": "ResultRecorded", "args": {}}],
            error=None, duration_us=1200, read_only=False, sequence=4)


def context() -> LambdaContext:
    return LambdaContext("cms-engine", 1024, 29, "request-1", time.monotonic())


def test_a_record_result_runs_as_the_relayer_and_answers_with_the_execution():
    engine = FakeEngine()
    answer = engine_app.direct_call(
        engine_call_event(CIRCUIT, "recordResult", ARGS, 10_000_000), engine)
    assert engine.calls == [(CIRCUIT_RELAYER, CIRCUIT, "recordResult", ARGS, 10_000_000)]
    assert answer["success"] is True and answer["return_value"] == {"status": "evaluated"}
    assert answer["events"] == [{"event": "ResultRecorded", "args": {}}]
    assert json.loads(json.dumps(answer)) == answer  # Lambda's payload is JSON


@pytest.mark.parametrize("call, code", [
    ({"address": TOKEN, "function": "mint", "args": {"to": NOBODY, "amount": 10**30}},
     "forbidden"),
    ({"address": CIRCUIT, "function": "submitInput", "args": {}}, "forbidden"),
    ({"address": CIRCUIT, "function": "requestEvaluation"}, "forbidden"),
    ({"address": CIRCUIT, "function": None}, "forbidden"),
    ({"address": TOKEN, "function": "recordResult", "args": ARGS}, "forbidden"),  # not a circuit
    ({"address": NOBODY, "function": "recordResult", "args": ARGS}, "contract_not_found"),
    ({"address": CIRCUIT, "function": "recordResult", "args": ["x"]}, "validation_error"),
    ({"address": 7, "function": "recordResult"}, "validation_error"),
    ({"address": "0x12", "function": "recordResult"}, "validation_error"),
    ({"address": CIRCUIT, "function": "recordResult", "gas_limit": 10**12}, "validation_error"),
    ({"address": CIRCUIT, "function": "recordResult", "gas_limit": 0}, "validation_error"),
    ({"address": CIRCUIT, "function": "recordResult", "gas_limit": "lots"}, "validation_error"),
    ({"address": CIRCUIT, "function": "recordResult", "gas_limit": True}, "validation_error"),
    ({"address": CIRCUIT, "function": "recordResult", "caller": NOBODY}, "validation_error"),
])
def test_anything_but_record_result_on_a_circuit_contract_is_refused(call, code):
    engine = FakeEngine()
    answer = engine_app.direct_call({ENGINE_CALL: call}, engine)
    assert set(answer) == {"error"} and answer["error"]["code"] == code, answer
    assert answer["error"]["detail"]
    assert engine.calls == []


def test_only_record_result_may_be_invoked_directly():
    assert frozenset({"recordResult"}) == DIRECT_FUNCTIONS


@pytest.mark.parametrize("event", [{}, {"engine_call": "recordResult"}, {"detail": {}}])
def test_an_event_without_a_call_is_refused(event):
    answer = engine_app.direct_call(event, FakeEngine())
    assert answer["error"]["code"] == "validation_error"


class EngineServices(Services):
    """The engine function's services with a fake engine in place of the real one."""

    def __init__(self, engine: FakeEngine) -> None:
        super().__init__(Settings())
        self._engine = engine

    @property
    def engine(self) -> Any:
        return self._engine


def engine_function(engine: FakeEngine) -> Any:
    """An instance of the engine function of its own, serving with ``engine``."""
    instance = fresh_instance("functions.engine.app")
    instance.runtime.use(EngineServices(engine))
    return instance


def test_domain_errors_are_answers_and_anything_else_fails_the_invocation():
    engine = FakeEngine(fail_with=DependencyUnavailable("DynamoDB is unreachable"))
    engine_app = engine_function(engine)
    event = engine_call_event(CIRCUIT, "recordResult", ARGS)
    assert engine_app.handler(event, context()) == {"error": {
        "code": "dependency_unavailable", "detail": "DynamoDB is unreachable"}}
    engine.fail_with = RuntimeError("a bug")
    with pytest.raises(RuntimeError, match="a bug"):  # Lambda reports a FunctionError
        engine_app.handler(event, context())


def test_the_handler_routes_direct_invocations_and_leaves_http_to_the_resolver():
    engine = FakeEngine()
    engine_app = engine_function(engine)
    answer = engine_app.handler(engine_call_event(CIRCUIT, "recordResult", ARGS), context())
    assert answer["success"] is True and len(engine.calls) == 1
    # An API Gateway request (httpMethod, requestContext) never takes the direct path, even
    # with an engine_call in it.
    http = {"httpMethod": "GET", "path": "/api/v1/engine/nothing-here", "resource": "/{proxy+}",
            "headers": {}, "multiValueHeaders": {}, "queryStringParameters": None,
            "pathParameters": None, "body": None, "isBase64Encoded": False,
            "requestContext": {"requestId": "r1", "stage": "v1", "httpMethod": "GET",
                               "path": "/api/v1/engine/nothing-here"},
            ENGINE_CALL: {"address": CIRCUIT, "function": "recordResult", "args": ARGS}}
    response = engine_app.handler(http, context())
    assert response["statusCode"] == 404
    assert len(engine.calls) == 1


# -- The parent's side: training_runner.engine_invoker.EngineFunction -----------------------


class Invoke:
    """lambda.invoke's answers: a payload, or a function error."""

    def __init__(self, payload: Any, function_error: str | None = None) -> None:
        self.payload, self.function_error = payload, function_error
        self.requests: list[dict] = []

    def __call__(self, **request: Any) -> dict:
        self.requests.append(request)
        response = {"StatusCode": 200,
                    "Payload": io.BytesIO(json.dumps(self.payload).encode())}
        if self.function_error:
            response["FunctionError"] = self.function_error
        return response


def test_the_parent_invokes_the_engine_function_with_the_call():
    result = FakeEngine().execute(CIRCUIT_RELAYER, CIRCUIT, "recordResult", ARGS, 10_000_000)
    invoke = Invoke(result.to_json())
    engine = EngineFunction(FakeEngine(), "cms-engine", invoke)
    invoked = engine.execute(CIRCUIT_RELAYER, CIRCUIT, "recordResult", ARGS,
                             gas_limit=10_000_000)
    assert invoked.success and invoked.error is None
    assert invoked.return_value == {"status": "evaluated"}
    [request] = invoke.requests
    assert request["FunctionName"] == "cms-engine"
    assert request["InvocationType"] == "RequestResponse"
    assert json.loads(request["Payload"]) == {ENGINE_CALL: {
        "address": CIRCUIT, "function": "recordResult", "args": ARGS, "gas_limit": 10_000_000}}
    assert engine.get_contract(CIRCUIT).kind == CIRCUIT_KIND  # reads go to the service


def test_the_parent_reads_refusals_failures_and_reverts():
    def engine(invoke: Invoke) -> EngineFunction:
        return EngineFunction(FakeEngine(), "cms-engine", invoke)

    refused = engine(Invoke({"error": {"code": "forbidden", "detail": "not here"}}))
    with pytest.raises(EngineCallRefused, match="forbidden: not here") as caught:
        refused.execute(CIRCUIT_RELAYER, CIRCUIT, "recordResult", ARGS)
    assert isinstance(caught.value, DomainError) and caught.value.code == "forbidden"
    for not_now in ("dependency_unavailable", "storage_error", "contract_busy"):
        unavailable = engine(Invoke({"error": {"code": not_now, "detail": "x"}}))
        with pytest.raises(DependencyUnavailable):  # the job stays on the queue
            unavailable.execute(CIRCUIT_RELAYER, CIRCUIT, "recordResult", ARGS)
    crashed = engine(Invoke({"errorType": "RuntimeError", "errorMessage": "a bug"}, "Unhandled"))
    with pytest.raises(DependencyUnavailable, match="Unhandled"):
        crashed.execute(CIRCUIT_RELAYER, CIRCUIT, "recordResult", ARGS)
    revert = {"code": "contract_reverted", "error": "CircuitResultAlreadyRecorded"}
    reverted = engine(Invoke({**FakeEngine().execute(CIRCUIT_RELAYER, CIRCUIT, "recordResult")
                              .to_json(), "success": False, "error": revert}))
    invoked = reverted.execute(CIRCUIT_RELAYER, CIRCUIT, "recordResult", ARGS)
    assert not invoked.success and invoked.error == revert
    with pytest.raises(ValueError, match="runs calls as"):  # the function picks the caller
        reverted.execute(NOBODY, CIRCUIT, "recordResult", ARGS)
