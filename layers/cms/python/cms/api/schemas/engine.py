"""The contract engine: calls, their results, history, health, the engine's figures.

Return values and event arguments are each contract's own, so they are free-form JSON
(I-JSON: 256-bit integers travel as decimal strings, as the engine writes them). Deployment
requests, one per kind, are in ``engine_deploy``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from cms.api.schemas.common import Instant, JsonObject, JsonValue, Sha256Hex, Uuid
from cms.api.schemas.problems import ProblemItem
from cms.domain.engine.gas import MAX_GAS_LIMIT
from cms.domain.engine.storage import HISTORY_CURSOR_PATTERN, OWNED_CURSOR_PATTERN
from cms.domain.engine.unified.requests import MAX_BATCH

ADDRESS_PATTERN = r"^0x[0-9a-fA-F]{40}$"
# Every callable name is an identifier: ERC20's and the privacy contracts' functions, and a
# WebAssembly module's exports (deployment refuses any other export name).
FUNCTION_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
MAX_INPUT_BYTES = 64 * 1024  # cms.domain.engine.wasm.limits (importing it loads wasmtime)

Address = Annotated[str, Field(
    pattern=ADDRESS_PATTERN, examples=["0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"],
    description="A 20-byte address, 0x and 40 hex digits; answers are EIP-55 checksummed, and "
                "a mixed-case address must carry a valid checksum")]
FunctionName = Annotated[str, Field(
    pattern=FUNCTION_PATTERN, examples=["transfer"],
    description="A function of the contract: a letter or _, then up to 63 letters, digits "
                "or _")]
GasLimit = Annotated[int, Field(
    ge=1, le=MAX_GAS_LIMIT,
    description=f"Gas the call may use, 1 to {MAX_GAS_LIMIT:,} (default 3,000,000)")]
HexInput = Annotated[str, Field(
    pattern=r"^(0x)?([0-9a-fA-F]{2})*$", max_length=2 + 2 * MAX_INPUT_BYTES,
    description=f"Raw input as hex, at most {MAX_INPUT_BYTES} bytes: only for a WebAssembly "
                "function its manifest does not describe")]
HistoryCursor = Annotated[str, Field(
    pattern=HISTORY_CURSOR_PATTERN,
    examples=["2026-12-07T06:00:00.000Z_123456000-0123456789abcdef"],
    description="A position in the history: the last record's time and id, as next_cursor "
                "gives it. Any value of this shape is a position (the records before it)")]
OwnedCursor = Annotated[str, Field(
    pattern=OWNED_CURSOR_PATTERN,
    examples=["2026-12-07T06:00:00.000Z_0x5b38da6a701c568545dcfcb03fcb875f56beddc4"],
    description="A position in the caller's deployments: the last contract's creation time "
                "and lower-case address, as next_cursor gives it. Any value of this shape is a "
                "position (the deployments created before it)")]
ContractKind = Literal["erc20", "wasm", "confidential_ledger", "sealed_bid_tally", "circuit"]
ExecutionErrorCode = Literal["contract_reverted", "gas_exhausted", "execution_timeout",
                             "engine_validation_error", "contract_busy", "storage_error"]


# -- requests ---------------------------------------------------------------------------------

_TRANSFER = {"function": "transfer",
             "args": {"to": "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4", "value": "250"}}


class Call(BaseModel):
    """One call of a contract function, as the signed-in identity."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        _TRANSFER, {"function": "totalSupply"}, {**_TRANSFER, "gas_limit": 100_000}]})
    function: FunctionName
    args: JsonObject | None = Field(default=None, description=(
        "Named arguments as the contract's ABI names them; 256-bit amounts as decimal "
        "strings"))
    input: HexInput | None = None
    gas_limit: GasLimit | None = None


class BatchRequest(BaseModel):
    """Calls on one contract, run in order."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"calls": [_TRANSFER, {"function": "balanceOf", "args": {
            "account": "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"}}]}]})
    calls: list[Call] = Field(min_length=1, max_length=MAX_BATCH)


# -- results ----------------------------------------------------------------------------------

class EngineEvent(BaseModel):
    """An event a successful call emitted, shaped like an EVM log."""

    event: str = Field(description="The event's name")
    data: str = Field(description="Its non-indexed data, 0x-hex")
    signature: str | None = Field(default=None, description="Solidity-style signature "
                                                            "(built-in contracts)")
    topics: list[str] | None = Field(default=None, description="Topic 0 is keccak256 of the "
                                                               "signature (built-in contracts)")
    args: JsonObject | None = Field(default=None, description="The decoded values, by name "
                                                              "(when the ABI declares them)")


class ExecutionError(BaseModel):
    """Why a call failed: its problem code and, by code, what a client matches on."""

    code: ExecutionErrorCode
    title: str
    detail: str
    error: str | None = Field(default=None, description="contract_reverted: the Solidity "
                                                        "error's name")
    signature: str | None = Field(default=None, description="contract_reverted: the error's "
                                                            "signature")
    selector: str | None = Field(default=None, description="contract_reverted: its 4-byte "
                                                           "selector, 0x-hex")
    arguments: list[JsonValue] | None = Field(default=None, description=(
        "contract_reverted: the error's arguments (uint256 as decimal strings)"))
    data: str | None = Field(default=None, description="contract_reverted: the revert data, "
                                                       "as an EVM node returns it")
    gas_limit: int | None = Field(default=None, description="gas_exhausted")
    gas_used: int | None = Field(default=None, description="gas_exhausted")
    gas_required: int | None = Field(default=None, description="gas_exhausted: the step "
                                                               "that did not fit")
    time_limit_ms: int | None = Field(default=None, ge=1, description=(
        "execution_timeout: the call's wall-clock limit (absent for a call of a batch that "
        "ran out of time before it could run)"))
    errors: list[ProblemItem] | None = Field(default=None, description=(
        "engine_validation_error: the argument at fault"))


class ExecutionResult(BaseModel):
    execution_id: str | None = Field(description=(
        "The execution's record; null for a cached read and for a call of a batch that did "
        "not run"))
    address: Address
    function: str
    success: bool
    return_value: JsonValue = Field(description="The function's result (null on failure)")
    gas_used: int = Field(ge=0)
    gas_limit: int = Field(ge=0)
    events: list[EngineEvent]
    error: ExecutionError | None
    duration_us: int = Field(ge=0)
    read_only: bool
    cached: bool = Field(description="Served from the result cache at the same state")
    sequence: int = Field(ge=0, description="The contract's state version the call ran on")


class BatchResult(BaseModel):
    results: list[ExecutionResult] = Field(description="One per call, in order, failures "
                                                       "included")
    succeeded: int = Field(ge=0)
    failed: int = Field(ge=0)


class GasEstimate(BaseModel):
    address: Address
    function: str
    gas: int = Field(ge=0, description="What the call would use at the current state")
    suggested_gas_limit: int = Field(ge=1, le=MAX_GAS_LIMIT, description="gas plus 20%")


class OmittedValue(BaseModel):
    """A part of a record too large to keep: the SHA-256 of its JSON (sorted keys)."""

    omitted_bytes: int = Field(ge=0)
    sha256: Sha256Hex


class ExecutionRecord(BaseModel):
    execution_id: str
    address: Address
    function: str
    caller: Address
    success: bool
    read_only: bool
    gas_used: int = Field(ge=0)
    gas_limit: int = Field(ge=0)
    duration_us: int = Field(ge=0)
    timestamp: Instant
    sequence: int = Field(ge=0)
    return_value: JsonValue = Field(description="As returned, or an OmittedValue past 300 KB "
                                                "of records in one commit")
    events: list[EngineEvent] | OmittedValue
    error: ExecutionError | None
    dry_run: bool = Field(description=(
        "A gas estimate: it ran as the call would and changed nothing; kept without its "
        "result, its gas and time count against its caller like an execution's"))


class ExecutionHistory(BaseModel):
    address: Address
    items: list[ExecutionRecord] = Field(description="Newest first")
    next_cursor: HistoryCursor | None = Field(description="The next page's cursor; null on "
                                                          "the last page")


# -- contracts --------------------------------------------------------------------------------

class AbiParam(BaseModel):
    name: str
    type: str


class AbiFunction(BaseModel):
    params: list[AbiParam]
    returns: str | None = None
    read_only: bool
    selector: str | None = Field(default=None, description="ERC20: the 4-byte selector")
    gas_multiplier: int | None = Field(default=None, description="Privacy and circuit "
                                                                 "contracts: the gas factor")
    raw: bool | None = Field(default=None, description="WebAssembly without a manifest: takes "
                                                       "and returns raw bytes")


class ContractAbi(BaseModel):
    """What can be called: every kind has ``functions``; WebAssembly adds the rest."""

    functions: dict[str, AbiFunction]
    abi: str | None = Field(default=None, description="WebAssembly: cms-wasm/1")
    raw: bool | None = None
    init: AbiFunction | None = None
    events: dict[str, list[AbiParam]] | None = None
    code_hash: str | None = None
    size: int | None = Field(default=None, ge=0, description="The module's bytes")


class EngineContract(BaseModel):
    address: Address
    kind: ContractKind
    name: str
    owner: Address = Field(description="The deployer's address")
    owner_did: str | None = Field(description="The identity that deployed it")
    created_at: Instant
    code_hash: str | None = Field(description="WebAssembly: 0x and the module's SHA-256")
    manifest: ContractAbi
    init_args: JsonObject = Field(description="As deployed (circuit contracts: with the "
                                              "input key the platform made)")
    description: str
    governed_by: Uuid | None = Field(description="The contract it runs under: nothing runs "
                                                 "once that contract stops allowing work")
    executions: int = Field(ge=0, description="Recorded executions, the constructor included")
    last_execution_at: Instant | None


class EngineContractPage(BaseModel):
    items: list[EngineContract] = Field(description="The caller's deployments, newest first")
    next_cursor: OwnedCursor | None = Field(description="The next page's cursor; null on the "
                                                        "last page")


class ContractHealth(BaseModel):
    contract_address: Address
    health_score: float = Field(ge=0, le=1)
    status: Literal["healthy", "warning", "critical"]
    total_executions: int = Field(ge=0)
    success_rate: float = Field(ge=0, le=1)
    recent_success_rate: float = Field(ge=0, le=1)
    avg_execution_time_ms: float = Field(ge=0)
    gas_efficiency: float = Field(ge=0, le=1, description="Gas used over gas granted")
    recent_errors: dict[str, int] = Field(description="Error code to count, over the last "
                                                      "100 executions")
    recommendations: list[str]


# -- the engine -------------------------------------------------------------------------------

class EngineSettings(BaseModel):
    enable_caching: bool
    cache_ttl_secs: float
    max_cache_entries: int
    enable_analytics: bool
    max_execution_time_ms: int = Field(ge=1, description=(
        "Wall clock one call (or estimate, or constructor) may run, whatever its kind; past "
        "it the call stops with execution_timeout and changes nothing"))
    default_gas_limit: int
    conflict_retries: int
    max_batch_time_ms: int = Field(ge=1, description=(
        "Wall clock one batch may run: the call it would cut short and the calls after it "
        "do not run (execution_timeout, execution_id null)"))


class EngineInfo(BaseModel):
    name: str
    version: str
    contract_kinds: list[ContractKind]
    max_gas_limit: int
    max_batch: int
    max_writes_per_execution: int
    config: EngineSettings


class ResultCacheStats(BaseModel):
    """The serving instance's result cache (each Lambda container has its own)."""

    scope: Literal["instance"]
    hits: int = Field(ge=0)
    misses: int = Field(ge=0)
    hit_rate: float = Field(ge=0, le=1)
    entries: int = Field(ge=0)
    max_entries: int = Field(ge=0)
    utilization: float = Field(ge=0, le=1)
    ttl_s: float


class EngineMetrics(BaseModel):
    """Over every execution of the deployment; ``recent_*`` over the last ``window_minutes``,
    the cache figures the serving instance's."""

    total_executions: int = Field(ge=0)
    total_gas_consumed: int = Field(ge=0)
    avg_execution_time_ms: float = Field(ge=0)
    success_rate: float = Field(ge=0, le=1)
    cache_hit_rate: float = Field(ge=0, le=1)
    cache_utilization: float = Field(ge=0, le=1)
    contracts: int = Field(ge=0)
    active_contracts: int = Field(ge=0)
    recent_executions: int = Field(ge=0)
    recent_error_rate: float = Field(ge=0, le=1)
    window_minutes: int
    cache: ResultCacheStats
