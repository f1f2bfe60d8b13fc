"""The unified contract engine as the API offers it: identities become contract callers,
failed executions become problem details, history is paged, hooks see committed events."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from cms.domain.engine.analytics import ContractHealthReport, PerformanceMetrics
from cms.domain.engine.callers import caller_address
from cms.domain.engine.errors import EngineValidationError
from cms.domain.engine.gas import MAX_GAS_LIMIT
from cms.domain.engine.records import CIRCUIT_KIND, ContractMetadata, ExecutionRecord
from cms.domain.engine.state import ContractState
from cms.domain.engine.storage import (
    cursor_position,
    history_cursor,
    owned_cursor,
    owned_position,
)
from cms.domain.engine.unified import (
    Deployment,
    EngineInfo,
    Execution,
    ExecutionResult,
    UnifiedContractEngine,
)
from cms.domain.errors import DomainError, IllegalTransition
from cms.domain.identity import Caller
from cms.services.circuit_evaluations import EVALUATION_REQUEST, CircuitEvaluations
from cms.services.governance import Governance

# Called after a commit with the contract's address, kind and the events of its successful
# calls (e.g. a circuit contract's EvaluationRequested queues the enclave's evaluation).
CommitHook = Callable[[str, str, list[dict[str, Any]]], None]
MAX_HISTORY_PAGE = 100
_HEX = re.compile(r"(0x)?([0-9a-fA-F]{2})*")


@dataclass(frozen=True)
class ContractCall:
    """One call as a client asks for it: ``input`` is hex (raw WebAssembly input)."""

    function: str
    args: Mapping[str, Any] | None = None
    input: str | None = None
    gas_limit: int | None = None


@dataclass(frozen=True)
class ContractDeployment:
    """A deployment as a client asks for it: ``code`` is WAT text, or the binary in base64 or
    hex; ``salt`` is 32 bytes of hex."""

    kind: str
    init_args: Mapping[str, Any] | None = None
    name: str | None = None
    description: str | None = None
    code: str | None = None
    code_encoding: Literal["wat", "base64", "hex"] = "wat"
    manifest: Mapping[str, Any] | None = None
    salt: str | None = None
    gas_limit: int | None = None
    governed_by: str | None = None  # a CMS contract's id (cms.services.governance)


@dataclass(frozen=True)
class EngineContract:
    """A contract's metadata with its execution totals."""

    metadata: ContractMetadata
    executions: int
    last_execution_at: str | None

    def to_json(self) -> dict[str, Any]:
        return {**self.metadata.to_json(), "executions": self.executions,
                "last_execution_at": self.last_execution_at}


@dataclass(frozen=True)
class BatchOutcome:
    results: list[ExecutionResult]

    @property
    def succeeded(self) -> int:
        return sum(result.success for result in self.results)

    def to_json(self) -> dict[str, Any]:
        return {"results": [result.to_json() for result in self.results],
                "succeeded": self.succeeded, "failed": len(self.results) - self.succeeded}


@dataclass(frozen=True)
class GasEstimate:
    address: str
    function: str
    gas: int

    @property
    def suggested_gas_limit(self) -> int:
        """20% headroom, within the limit a call may have."""
        return min(self.gas * 6 // 5 + 1, MAX_GAS_LIMIT)

    def to_json(self) -> dict[str, Any]:
        return {"address": self.address, "function": self.function, "gas": self.gas,
                "suggested_gas_limit": self.suggested_gas_limit}


@dataclass(frozen=True)
class HistoryPage:
    address: str
    records: list[ExecutionRecord]
    next_cursor: str | None

    def to_json(self) -> dict[str, Any]:
        return {"address": self.address, "items": [r.to_json() for r in self.records],
                "next_cursor": self.next_cursor}


@dataclass(frozen=True)
class OwnedPage:
    """A page of the caller's own deployments, newest first."""

    contracts: list[EngineContract]
    next_cursor: str | None

    def to_json(self) -> dict[str, Any]:
        return {"items": [c.to_json() for c in self.contracts], "next_cursor": self.next_cursor}


class ExecutionFailed(DomainError):
    """A call that ran and failed, reported with its own code (contract_reverted,
    gas_exhausted, execution_timeout) plus the execution's id and gas."""

    code, status, title = "contract_reverted", 422, "The execution failed"

    def __init__(self, result: ExecutionResult) -> None:
        error = dict(result.error or {})
        self.code = str(error.pop("code", self.code))
        self.title = str(error.pop("title", self.title))
        detail = str(error.pop("detail", "the execution failed"))
        super().__init__(detail, **{**error, "execution_id": result.execution_id,
                                    "gas_used": result.gas_used,
                                    "gas_limit": result.gas_limit})


class EngineService:
    """``governance``: how contracts governed by a CMS contract are admitted (None: such a
    contract is refused, here and at deployment)."""

    def __init__(self, engine: UnifiedContractEngine, hooks: Sequence[CommitHook] = (),
                 circuits: CircuitEvaluations | None = None,
                 governance: Governance | None = None) -> None:
        self.engine = engine
        self._hooks = list(hooks)
        self._circuits = circuits
        self._governance = governance
        self._governed_by: dict[str, str | None] = {}  # metadata never changes: kept
        if circuits is not None:
            self._hooks.append(circuits.on_committed)

    # -- for the API (callers are identities) --

    def deploy(self, caller: Caller, request: ContractDeployment) -> EngineContract:
        init_args = request.init_args
        if request.governed_by is not None:  # before a circuit's quota or key pair is spent
            self._governing().check_deployment(caller, request.governed_by)
        if request.kind == CIRCUIT_KIND:
            if self._circuits is None:
                raise EngineValidationError("circuit contracts are not configured here", "kind")
            init_args = self._circuits.prepare_deploy(init_args, caller_address(caller.did))
        deployment = Deployment(
            kind=request.kind, deployer=caller_address(caller.did), name=request.name or "",
            init_args=init_args, code=_code(request.code, request.code_encoding),
            manifest=request.manifest, salt=_salt(request.salt), gas_limit=request.gas_limit,
            description=request.description or "", owner_did=caller.did,
            governed_by=request.governed_by)
        return self._with_totals(self.engine.deploy_contract(deployment))

    def contract(self, address: str) -> EngineContract:
        return self._with_totals(self.get_contract(address))

    def call(self, caller: Caller, address: str, call: ContractCall) -> ExecutionResult:
        """Run one call; a call that ran and failed raises ``ExecutionFailed``."""
        self._admit(address)
        execution = _execution(address, caller_address(caller.did), call)
        [result] = self._admitted(execution.caller, address, [call.function], lambda: (
            self._executed(self.engine.execute_batch([execution]))))
        if not result.success:
            raise ExecutionFailed(result)
        return result

    def batch(self, caller: Caller, address: str, calls: Sequence[ContractCall]
              ) -> BatchOutcome:
        """Run calls in order, each atomic on its own; failures are results."""
        self._admit(address)
        who = caller_address(caller.did)
        executions = [_execution(address, who, call) for call in calls]
        return BatchOutcome(self._admitted(who, address, [call.function for call in calls],
                                           lambda: self._executed(
                                               self.engine.execute_batch(executions))))

    def estimate(self, caller: Caller, address: str, call: ContractCall) -> GasEstimate:
        self._admit(address)
        gas = self.engine.estimate_gas(_execution(address, caller_address(caller.did), call))
        return GasEstimate(self.get_contract(address).address, call.function, gas)

    def history(self, address: str, limit: int = 50, cursor: str | None = None
                ) -> HistoryPage:
        """Newest first; ``cursor`` is a page's ``next_cursor`` (or any position of its
        shape)."""
        if not 1 <= limit <= MAX_HISTORY_PAGE:
            raise EngineValidationError(f"limit must be 1 to {MAX_HISTORY_PAGE}", "limit")
        metadata = self.get_contract(address)
        before = cursor_position(cursor) if cursor is not None else None
        records = self.engine.storage.get_execution_history(metadata.address, limit + 1, before)
        page = records[:limit]
        more = len(records) > limit
        return HistoryPage(metadata.address, page, history_cursor(page[-1]) if more else None)

    def owned(self, caller: Caller, limit: int = 50, cursor: str | None = None) -> OwnedPage:
        """The contracts ``caller`` deployed, newest first: a query on the owner's index and
        one read of each listed contract's totals (at most ``limit``, never a scan)."""
        if not 1 <= limit <= MAX_HISTORY_PAGE:
            raise EngineValidationError(f"limit must be 1 to {MAX_HISTORY_PAGE}", "limit")
        before = owned_position(cursor) if cursor is not None else None
        found = self.engine.storage.list_owned(caller.did, limit + 1, before)
        page = found[:limit]
        more = len(found) > limit
        return OwnedPage([self._with_totals(m) for m in page],
                         owned_cursor(page[-1]) if more else None)

    def health(self, address: str) -> ContractHealthReport:
        return self.engine.health_report(address)

    def info(self) -> EngineInfo:
        return self.engine.engine_info()

    def metrics(self) -> PerformanceMetrics:
        return self.engine.performance_metrics()

    # -- for platform components (callers are addresses) --

    def execute(self, caller: str, address: str, function: str, args: Any = None,
                gas_limit: int | None = None) -> ExecutionResult:
        self._admit(address)
        execution = Execution(address, function, caller, args, gas_limit=gas_limit)
        return self._executed(self.engine.execute_batch([execution]))[0]

    def get_contract(self, address: str) -> ContractMetadata:
        return self.engine.metadata(address)

    def contract_state(self, address: str) -> ContractState:
        snapshot = self.engine.snapshot(address)
        return snapshot.state

    def governed_by(self, address: str) -> str | None:
        """The CMS contract the engine contract runs under (None: none)."""
        key = address.lower()
        if key not in self._governed_by:
            self._governed_by[key] = self.get_contract(address).governed_by
        return self._governed_by[key]

    def _admit(self, address: str) -> None:
        """Nothing runs on a contract whose governing contract no longer allows work."""
        governing = self.governed_by(address)
        if governing is not None:
            self._governing().admit(governing)

    def _governing(self) -> Governance:
        if self._governance is None:
            raise IllegalTransition("this engine cannot check a governing contract's standing")
        return self._governance

    def _with_totals(self, metadata: ContractMetadata) -> EngineContract:
        stats = self.engine.storage.contract_stats(metadata.address)
        return EngineContract(metadata, stats.executions, stats.last_execution_at)

    def _admitted(self, caller: str, address: str, functions: Sequence[str],
                  run: Callable[[], list[ExecutionResult]]) -> list[ExecutionResult]:
        """``run()`` the calls; a call requesting a circuit contract's evaluation first takes
        the caller's quota (refused: nothing runs), given back unless the request commits."""
        if (self._circuits is None or EVALUATION_REQUEST not in functions
                or self.get_contract(address).kind != CIRCUIT_KIND):
            return run()
        took = self._circuits.admit(caller, address)
        results: list[ExecutionResult] = []
        try:
            results = run()
        finally:
            if took and not any(r.success and any(e.get("event") == "EvaluationRequested"
                                                  for e in r.events) for r in results):
                self._circuits.release(caller, address)
        return results

    def _executed(self, results: list[ExecutionResult]) -> list[ExecutionResult]:
        committed = [r for r in results if r.success and not r.cached and r.events]
        if committed and self._hooks:
            kind = self.get_contract(results[0].address).kind
            events = [event for r in committed for event in r.events]
            for hook in self._hooks:
                hook(results[0].address, kind, events)
        return results


def _execution(address: str, caller: str, call: ContractCall) -> Execution:
    raw = _hex_bytes(call.input, "input") if call.input is not None else None
    return Execution(address, call.function, caller,
                     dict(call.args) if call.args is not None else None, raw, call.gas_limit)


def _code(code: str | None, encoding: str) -> bytes | str | None:
    """A module as the API carries it: WAT text, or the binary in base64 or hex."""
    if code is None or encoding == "wat":
        return code
    if encoding == "hex":
        return _hex_bytes(code, "code")
    try:
        return base64.b64decode(code, validate=True)
    except (binascii.Error, ValueError):
        raise EngineValidationError("code is not valid base64", "code") from None


def _hex_bytes(value: str, field: str) -> bytes:
    if not _HEX.fullmatch(value):
        raise EngineValidationError(f"{field} must be hex bytes (0x-prefixed or bare)", field)
    return bytes.fromhex(value.removeprefix("0x"))


def _salt(value: str | None) -> bytes | None:
    if value is None:
        return None
    salt = _hex_bytes(value, "salt")
    if len(salt) != 32:
        raise EngineValidationError("salt must be 32 bytes of hex", "salt")
    return salt
