"""Engine function: the unified contract engine (deploy, execute, estimate, history, health,
info, metrics). The caller's identity is the contract caller (cms.domain.engine.callers).

Invoked directly (lambda.invoke with an ``engine_call`` event, no API Gateway), it records a
circuit contract's result for the enclave parent, which may read the engine table but not write
it: only ``recordResult`` on a circuit contract, as ``CIRCUIT_RELAYER``
(cms.adapters.engine_function has the event and the answers)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, ConfigDict, Field

from cms.adapters.engine_function import CIRCUIT_RELAYER, DIRECT_FUNCTIONS, ENGINE_CALL
from cms.api.http import caller_of, http_entry, json_response
from cms.api.observability import count, instrumented, logger
from cms.api.operations import Api
from cms.domain.engine.errors import (
    ContractExists,
    ContractNotFound,
    ContractReverted,
    EngineValidationError,
    ExecutionTimeout,
    GasExhausted,
    StorageError,
)
from cms.domain.engine.records import CIRCUIT_KIND
from cms.domain.engine.unified import ContractBusy
from cms.domain.errors import AttestationInvalid, DomainError, Forbidden, ValidationFailed
from cms.runtime import FunctionRuntime

api = Api("engine")
runtime = FunctionRuntime()
EXECUTION_ERRORS = (ContractNotFound, EngineValidationError, ContractBusy, StorageError,
                    Forbidden)
BASE = "/api/v1/engine"
CONTRACTS = BASE + "/contracts"
ONE = CONTRACTS + "/<address>"


class DeployRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(min_length=1, max_length=32,
                      description="erc20, wasm, confidential_ledger, sealed_bid_tally, circuit")
    name: str | None = Field(default=None, max_length=100)
    description: str | None = Field(default=None, max_length=1000)
    init_args: dict[str, Any] | None = None
    code: str | None = Field(default=None, description="a WebAssembly module: WAT text, or "
                                                       "the binary in base64 or hex")
    code_encoding: Literal["wat", "base64", "hex"] = "wat"
    manifest: dict[str, Any] | None = None
    salt: str | None = Field(default=None, description="32 bytes of hex: a predictable "
                                                       "(CREATE2) address")
    gas_limit: int | None = None


class Call(BaseModel):
    model_config = ConfigDict(extra="forbid")
    function: str = Field(min_length=1, max_length=64)
    args: dict[str, Any] | None = None
    input: str | None = Field(default=None, description="raw input as hex (functions without "
                                                        "a manifest entry)")
    gas_limit: int | None = None


class ExecuteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    function: str | None = Field(default=None, min_length=1, max_length=64)
    args: dict[str, Any] | None = None
    input: str | None = None
    gas_limit: int | None = None
    calls: list[Call] | None = Field(default=None, description="a batch, run in order")


@api.post(CONTRACTS, "deployEngineContract", status=201,
          summary="Deploy a contract (the caller is its owner): built-in ERC20, a WebAssembly "
                  "module, a Paillier privacy contract or a boolean-circuit contract",
          errors=(EngineValidationError, ContractExists, StorageError, ContractReverted,
                  GasExhausted, ExecutionTimeout))
def deploy(request: Annotated[DeployRequest, Body()]) -> Response[dict]:
    contract = runtime.services.engine.deploy(caller_of(api),
                                              request.model_dump(exclude_none=True))
    count("EngineContractsDeployed")
    return json_response(contract, 201, {"Location": f"{CONTRACTS}/{contract['address']}"})


@api.get(ONE, "getEngineContract", summary="A contract's metadata, ABI and execution count",
         errors=(ContractNotFound, EngineValidationError))
def get(address: str) -> dict:
    return runtime.services.engine.contract(address)


@api.post(ONE + "/execute", "executeEngineContract",
          summary="Execute a function as the caller (atomic; a failure is a problem with the "
                  "contract's error), or a batch of calls with per-call results",
          errors=(*EXECUTION_ERRORS, ContractReverted, GasExhausted, ExecutionTimeout,
                  AttestationInvalid))
def execute(address: str, request: Annotated[ExecuteRequest, Body()]) -> dict:
    result = runtime.services.engine.execute_request(caller_of(api), address,
                                                     request.model_dump(exclude_none=True))
    count("EngineExecutions", len(result["results"]) if "results" in result else 1)
    return result


@api.post(ONE + "/estimate-gas", "estimateEngineGas",
          summary="The gas a call would use now: a dry run that changes nothing",
          errors=(*EXECUTION_ERRORS, ContractReverted, GasExhausted, ExecutionTimeout))
def estimate_gas(address: str, request: Annotated[Call, Body()]) -> dict:
    return runtime.services.engine.estimate(caller_of(api), address,
                                            request.model_dump(exclude_none=True))


@api.get(ONE + "/history", "listEngineHistory",
         summary="The contract's executions, newest first (paged)",
         errors=(ContractNotFound, EngineValidationError, StorageError))
def history(address: str,
            limit: Annotated[int, Query(ge=1, le=100)] = 50,
            cursor: Annotated[str | None, Query(max_length=512)] = None) -> dict:
    return runtime.services.engine.history(address, limit, cursor)


@api.get(ONE + "/health", "getEngineContractHealth",
         summary="The contract's health: score, status, recent errors, recommendations",
         errors=(ContractNotFound, EngineValidationError, StorageError))
def health(address: str) -> dict:
    return runtime.services.engine.health(address)


@api.get(BASE + "/info", "getEngineInfo", summary="The engine: kinds, limits, configuration")
def info() -> dict:
    return runtime.services.engine.info()


@api.get(BASE + "/metrics", "getEngineMetrics",
         summary="Performance metrics across the deployment (the cache figures are the serving "
                 "instance's)", errors=(StorageError,))
def metrics() -> dict:
    return runtime.services.engine.metrics()


def direct_call(event: dict[str, Any], engine: Any) -> dict[str, Any]:
    """A direct invocation's call run by ``engine`` (cms.services.engine.EngineService): the
    execution result, or ``{"error": {code, detail}}`` if it was refused before running."""
    try:
        address, function, args, gas_limit = _engine_call(event)
        if engine.get_contract(address).kind != CIRCUIT_KIND:
            raise Forbidden(f"{function} runs here only on circuit contracts")
        result = engine.execute(CIRCUIT_RELAYER, address, function, args, gas_limit=gas_limit)
    except DomainError as error:
        logger.warning("direct engine call refused",
                       extra={"code": error.code, "detail": error.detail})
        return {"error": {"code": error.code, "detail": error.detail}}
    count("EngineExecutions")
    return result.to_json()


def _engine_call(event: Any) -> tuple[str, str, dict[str, Any] | None, int | None]:
    call = event.get(ENGINE_CALL) if isinstance(event, dict) else None
    if not isinstance(call, dict):
        raise ValidationFailed(f"a direct invocation carries an {ENGINE_CALL!r} object")
    if unknown := set(call) - {"address", "function", "args", "gas_limit"}:
        raise ValidationFailed(f"unknown fields in {ENGINE_CALL!r}: {sorted(unknown)}")
    address, function = call.get("address"), call.get("function")
    args, gas_limit = call.get("args"), call.get("gas_limit")
    if not isinstance(function, str) or function not in DIRECT_FUNCTIONS:
        raise Forbidden(f"a direct invocation may run only {sorted(DIRECT_FUNCTIONS)}, not "
                        f"{str(function)[:64]!r}")
    if not isinstance(address, str) or not 0 < len(address) <= 64:
        raise ValidationFailed("address must be a contract address")
    if args is not None and not isinstance(args, dict):
        raise ValidationFailed("args must be an object")
    if gas_limit is not None and (not isinstance(gas_limit, int) or isinstance(gas_limit, bool)
                                  or gas_limit <= 0):
        raise ValidationFailed("gas_limit must be a positive integer")
    return address, function, args, gas_limit


@instrumented
def _direct(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return direct_call(event, runtime.services.engine)


_http = http_entry(api, runtime)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway's requests (they always carry ``httpMethod``) go to the resolver; any other
    event is a direct invocation (CmsEnclave grants lambda:InvokeFunction on this function to
    the enclave parent's role alone)."""
    if not isinstance(event, dict) or not {"httpMethod", "requestContext"} & set(event):
        return _direct(event, context)
    return _http(event, context)
