"""Engine function: the unified contract engine (deploy, execute, estimate, history, health,
info, metrics). The caller's identity is the contract caller (cms.domain.engine.callers)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, ConfigDict, Field

from cms.api.http import SECURED, caller_of, create_resolver, json_response, lambda_entry
from cms.api.observability import count
from cms.services import container

app = create_resolver()
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


@app.post(CONTRACTS, security=SECURED,
          summary="Deploy a contract (the caller is its owner): built-in ERC20, a WebAssembly "
                  "module, a Paillier privacy contract or a boolean-circuit contract")
def deploy(request: Annotated[DeployRequest, Body()]) -> Response[dict]:
    contract = container.engine().deploy(caller_of(app), request.model_dump(exclude_none=True))
    count("EngineContractsDeployed")
    return json_response(contract, 201, {"Location": f"{CONTRACTS}/{contract['address']}"})


@app.get(ONE, security=SECURED, summary="A contract's metadata, ABI and execution count")
def get(address: str) -> dict:
    return container.engine().contract(address)


@app.post(ONE + "/execute", security=SECURED,
          summary="Execute a function as the caller (atomic; a failure is a problem with the "
                  "contract's error), or a batch of calls with per-call results")
def execute(address: str, request: Annotated[ExecuteRequest, Body()]) -> dict:
    result = container.engine().execute_request(caller_of(app), address,
                                                request.model_dump(exclude_none=True))
    count("EngineExecutions", len(result["results"]) if "results" in result else 1)
    return result


@app.post(ONE + "/estimate-gas", security=SECURED,
          summary="The gas a call would use now: a dry run that changes nothing")
def estimate_gas(address: str, request: Annotated[Call, Body()]) -> dict:
    return container.engine().estimate(caller_of(app), address,
                                       request.model_dump(exclude_none=True))


@app.get(ONE + "/history", security=SECURED,
         summary="The contract's executions, newest first (paged)")
def history(address: str,
            limit: Annotated[int, Query(ge=1, le=100)] = 50,
            cursor: Annotated[str | None, Query(max_length=512)] = None) -> dict:
    return container.engine().history(address, limit, cursor)


@app.get(ONE + "/health", security=SECURED,
         summary="The contract's health: score, status, recent errors, recommendations")
def health(address: str) -> dict:
    return container.engine().health(address)


@app.get(BASE + "/info", security=SECURED, summary="The engine: kinds, limits, configuration")
def info() -> dict:
    return container.engine().info()


@app.get(BASE + "/metrics", security=SECURED,
         summary="Performance metrics across the deployment (the cache figures are the serving "
                 "instance's)")
def metrics() -> dict:
    return container.engine().metrics()


handler = lambda_entry(app)
