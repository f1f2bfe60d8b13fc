"""Engine function: the unified contract engine (deploy, execute, estimate, history, health,
info, metrics). The caller's identity is the contract caller (cms.domain.engine.callers).

Invoked directly (lambda.invoke with an ``engine_call`` event, no API Gateway), it records a
circuit contract's result for the enclave parent, which may read the engine table but not write
it: only ``recordResult`` on a circuit contract, as ``CIRCUIT_RELAYER``
(cms.adapters.engine_function has the event and the answers)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from cms.adapters.engine_function import CIRCUIT_RELAYER, DIRECT_FUNCTIONS, ENGINE_CALL
from cms.api.http import caller_of, http_entry, json_response
from cms.api.idempotency import IDEMPOTENCY_ERRORS, IdempotencyKey, idempotent
from cms.api.observability import count, instrumented, logger
from cms.api.operations import COMPUTE, READ, Api
from cms.api.schemas.engine import (
    ADDRESS_PATTERN,
    BatchRequest,
    BatchResult,
    Call,
    ContractHealth,
    EngineContract,
    EngineContractPage,
    EngineInfo,
    EngineMetrics,
    ExecutionHistory,
    ExecutionResult,
    GasEstimate,
    HistoryCursor,
    OwnedCursor,
)
from cms.api.schemas.engine_deploy import DEPLOY_EXAMPLES, DeployRequest
from cms.domain.contracts import ValidityEnded
from cms.domain.engine.errors import (
    ContractExists,
    ContractNotFound,
    ContractReverted,
    EngineValidationError,
    ExecutionTimeout,
    GasExhausted,
    StorageError,
)
from cms.domain.engine.gas import MAX_GAS_LIMIT
from cms.domain.engine.records import CIRCUIT_KIND
from cms.domain.engine.unified import ContractBusy
from cms.domain.errors import (
    DomainError,
    EvaluationLimitReached,
    Forbidden,
    IllegalTransition,
    NotFound,
    ValidationFailed,
)
from cms.domain.standing import PartySuspended
from cms.runtime import FunctionRuntime
from cms.services.engine import ContractCall, ContractDeployment

api = Api("engine")
runtime = FunctionRuntime()
_ADDRESS = re.compile(ADDRESS_PATTERN)
BASE = "/api/v1/engine"
CONTRACTS = BASE + "/contracts"
ONE = CONTRACTS + "/<address>"
AddressPath = Annotated[str, Path(pattern=ADDRESS_PATTERN, description=(
    "The contract's address (0x and 40 hex digits)"))]
# A call that ran and failed answers with its own code; a constructor's failure too.
FAILED_RUN = (ContractReverted, GasExhausted, ExecutionTimeout)
# A contract governed by an agreement that no longer allows work (cms.services.governance).
GOVERNED = (IllegalTransition, ValidityEnded, PartySuspended)
# Before anything runs: the contract, its function and arguments, the store, its governance.
REFUSED = (ContractNotFound, EngineValidationError, StorageError, *GOVERNED)
# A circuit contract's evaluation request past the caller's quota: too many in flight (409;
# per window it is the common 429).
QUOTA = (EvaluationLimitReached,)


@api.post(CONTRACTS, "deployEngineContract", limit=COMPUTE, status=201,
          summary="Deploy a contract (the caller is its owner): built-in ERC20, a WebAssembly "
                  "module, a Paillier privacy contract or a boolean-circuit contract",
          errors=(EngineValidationError, ContractExists, StorageError, *FAILED_RUN,
                  NotFound, Forbidden, *GOVERNED, (500, "corrupt_record"),
                  *IDEMPOTENCY_ERRORS))
def deploy(request: Annotated[DeployRequest, Body(openapi_examples=DEPLOY_EXAMPLES)],
           idempotency_key: IdempotencyKey = None) -> Response[EngineContract]:
    caller = caller_of(api)

    def make() -> dict[str, Any]:
        fields = request.model_dump(exclude_unset=True, exclude_none=True)
        contract = runtime.services.engine.deploy(caller, ContractDeployment(**fields))
        count("EngineContractsDeployed")
        return contract.to_json()

    body = EngineContract.model_validate(idempotent(
        api, runtime, idempotency_key, make, operation="deployEngineContract",
        request=request.model_dump(mode="json", exclude_unset=True, exclude_none=True)))
    return json_response(body, 201, {"Location": f"{CONTRACTS}/{body.address}"})


@api.get(CONTRACTS, "listEngineContracts", limit=READ,
         summary="The contracts the caller deployed, newest first (paged)",
         errors=(StorageError,))
def list_owned(limit: Annotated[int, Query(ge=1, le=100)] = 50,
               cursor: Annotated[OwnedCursor | None, Query()] = None) -> EngineContractPage:
    page = runtime.services.engine.owned(caller_of(api), limit, cursor)
    return EngineContractPage.model_validate(page.to_json())


@api.get(ONE, "getEngineContract", limit=READ,
         summary="A contract's metadata, ABI and execution count",
         errors=(ContractNotFound, StorageError))
def get(address: AddressPath) -> EngineContract:
    return EngineContract.model_validate(runtime.services.engine.contract(address).to_json())


@api.post(ONE + "/execute", "executeEngineContract", limit=COMPUTE,
          summary="Execute a function as the caller: atomic; a call that runs and fails is a "
                  "problem with the contract's error",
          errors=(*REFUSED, ContractBusy, *FAILED_RUN, *QUOTA))
def execute(address: AddressPath, request: Annotated[Call, Body()]) -> ExecutionResult:
    result = runtime.services.engine.call(caller_of(api), address, _call(request))
    count("EngineExecutions")
    return ExecutionResult.model_validate(result.to_json())


@api.post(ONE + "/execute-batch", "executeEngineBatch", limit=COMPUTE,
          summary="Execute calls in order, each atomic on its own: per-call results, "
                  "failures included",
          errors=(*REFUSED, ContractBusy, *QUOTA))
def execute_batch(address: AddressPath, request: Annotated[BatchRequest, Body()]
                  ) -> BatchResult:
    outcome = runtime.services.engine.batch(caller_of(api), address,
                                            [_call(call) for call in request.calls])
    count("EngineExecutions", len(outcome.results))
    return BatchResult.model_validate(outcome.to_json())


@api.post(ONE + "/estimate-gas", "estimateEngineGas", limit=COMPUTE,
          summary="The gas a call would use now: a dry run that changes nothing, within a "
                  "call's gas and time limits and recorded as the caller's dry run",
          errors=(*REFUSED, *FAILED_RUN))
def estimate_gas(address: AddressPath, request: Annotated[Call, Body()]) -> GasEstimate:
    estimate = runtime.services.engine.estimate(caller_of(api), address, _call(request))
    return GasEstimate.model_validate(estimate.to_json())


@api.get(ONE + "/history", "listEngineHistory", limit=READ,
         summary="The contract's executions, newest first (paged)",
         errors=(ContractNotFound, StorageError))
def history(address: AddressPath,
            limit: Annotated[int, Query(ge=1, le=100)] = 50,
            cursor: Annotated[HistoryCursor | None, Query()] = None) -> ExecutionHistory:
    page = runtime.services.engine.history(address, limit, cursor)
    return ExecutionHistory.model_validate(page.to_json())


@api.get(ONE + "/health", "getEngineContractHealth", limit=READ,
         summary="The contract's health: score, status, recent errors, recommendations",
         errors=(ContractNotFound, StorageError))
def health(address: AddressPath) -> ContractHealth:
    return ContractHealth.model_validate(runtime.services.engine.health(address).to_json())


@api.get(BASE + "/info", "getEngineInfo", limit=READ,
         summary="The engine: kinds, limits, configuration")
def info() -> EngineInfo:
    return EngineInfo.model_validate(runtime.services.engine.info().to_json())


@api.get(BASE + "/metrics", "getEngineMetrics", limit=READ,
         summary="Performance metrics across the deployment (the cache figures are the serving "
                 "instance's)", errors=(StorageError,))
def metrics() -> EngineMetrics:
    return EngineMetrics.model_validate(runtime.services.engine.metrics().to_json())


def _call(request: Call) -> ContractCall:
    return ContractCall(**request.model_dump(exclude_unset=True, exclude_none=True))


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
    if not isinstance(address, str) or not _ADDRESS.fullmatch(address):
        raise ValidationFailed("address must be a contract address (0x and 40 hex digits)")
    if args is not None and not isinstance(args, dict):
        raise ValidationFailed("args must be an object")
    if gas_limit is not None and (not isinstance(gas_limit, int) or isinstance(gas_limit, bool)
                                  or not 0 < gas_limit <= MAX_GAS_LIMIT):
        raise ValidationFailed(f"gas_limit must be an integer from 1 to {MAX_GAS_LIMIT}")
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
