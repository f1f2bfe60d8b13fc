"""The unified contract engine as the API offers it: identities become contract callers,
failed executions become problem details, history is paged, hooks see committed events."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from typing import Any

from cms.adapters.dynamo import decode_cursor, encode_cursor
from cms.domain.engine.callers import caller_address
from cms.domain.engine.errors import EngineValidationError
from cms.domain.engine.records import CIRCUIT_KIND, ContractMetadata
from cms.domain.engine.state import ContractState
from cms.domain.engine.storage import history_key
from cms.domain.engine.unified import (
    Deployment,
    Execution,
    ExecutionResult,
    UnifiedContractEngine,
)
from cms.domain.errors import DomainError
from cms.domain.identity import Caller
from cms.services.circuit_evaluations import CircuitEvaluations

# Called after a commit with the contract's address, kind and the events of its successful
# calls (e.g. a circuit contract's EvaluationRequested queues the enclave's evaluation).
CommitHook = Callable[[str, str, list[dict[str, Any]]], None]
MAX_HISTORY_PAGE = 100
_HEX = re.compile(r"(0x)?([0-9a-fA-F]{2})*")


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
    def __init__(self, engine: UnifiedContractEngine, hooks: Sequence[CommitHook] = (),
                 circuits: CircuitEvaluations | None = None) -> None:
        self.engine = engine
        self._hooks = list(hooks)
        self._circuits = circuits
        if circuits is not None:
            self._hooks.append(circuits.on_committed)

    # -- for the API (callers are identities) --

    def deploy(self, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
        init_args = request.get("init_args")
        if request["kind"] == CIRCUIT_KIND:
            if self._circuits is None:
                raise EngineValidationError("circuit contracts are not configured here", "kind")
            init_args = self._circuits.prepare_deploy(init_args)
        deployment = Deployment(
            kind=request["kind"], deployer=caller_address(caller.did),
            name=request.get("name") or "", init_args=init_args,
            code=_code(request.get("code"), request.get("code_encoding", "wat")),
            manifest=request.get("manifest"), salt=_salt(request.get("salt")),
            gas_limit=request.get("gas_limit"), description=request.get("description") or "",
            owner_did=caller.did)
        return self.contract_json(self.engine.deploy_contract(deployment))

    def contract(self, address: str) -> dict[str, Any]:
        return self.contract_json(self.get_contract(address))

    def execute_request(self, caller: Caller, address: str,
                        request: dict[str, Any]) -> dict[str, Any]:
        """One call (problem details if it fails) or, with ``calls``, a batch (per-call
        results, failures included)."""
        who = caller_address(caller.did)
        if request.get("calls") is not None:
            if set(request) - {"calls"}:
                raise EngineValidationError("send either one call or calls, not both", "calls")
            calls = [_execution(address, who, call) for call in request["calls"]]
            results = self._executed(self.engine.execute_batch(calls))
            return {"results": [r.to_json() for r in results],
                    "succeeded": sum(r.success for r in results), "failed":
                    sum(not r.success for r in results)}
        result = self._executed(self.engine.execute_batch([_execution(address, who,
                                                                      request)]))[0]
        if not result.success:
            raise ExecutionFailed(result)
        return result.to_json()

    def estimate(self, caller: Caller, address: str, request: dict[str, Any]) -> dict[str, Any]:
        gas = self.engine.estimate_gas(_execution(address, caller_address(caller.did), request))
        return {"address": self.get_contract(address).address, "function": request["function"],
                "gas": gas, "suggested_gas_limit": min(gas * 6 // 5 + 1, 30_000_000)}

    def history(self, address: str, limit: int, cursor: str | None) -> dict[str, Any]:
        metadata = self.get_contract(address)
        before = _cursor_key(cursor) if cursor else None
        records = self.engine.storage.get_execution_history(metadata.address, limit + 1, before)
        page = records[:limit]
        more = len(records) > limit
        return {"address": metadata.address, "items": [r.to_json() for r in page],
                "next_cursor": encode_cursor({"before": history_key(page[-1])})
                if more else None}

    def health(self, address: str) -> dict[str, Any]:
        return self.engine.health_report(address).to_json()

    def info(self) -> dict[str, Any]:
        return self.engine.engine_info()

    def metrics(self) -> dict[str, Any]:
        return self.engine.performance_metrics().to_json()

    # -- for platform components (callers are addresses) --

    def execute(self, caller: str, address: str, function: str, args: Any = None,
                gas_limit: int | None = None) -> ExecutionResult:
        execution = Execution(address, function, caller, args, gas_limit=gas_limit)
        return self._executed(self.engine.execute_batch([execution]))[0]

    def get_contract(self, address: str) -> ContractMetadata:
        return self.engine.metadata(address)

    def contract_state(self, address: str) -> ContractState:
        snapshot = self.engine.snapshot(address)
        return snapshot.state

    def contract_json(self, metadata: ContractMetadata) -> dict[str, Any]:
        stats = self.engine.storage.contract_stats(metadata.address)
        return {**metadata.to_json(), "executions": stats.executions,
                "last_execution_at": stats.last_execution_at}

    def _executed(self, results: list[ExecutionResult]) -> list[ExecutionResult]:
        committed = [r for r in results if r.success and not r.cached and r.events]
        if committed and self._hooks:
            kind = self.get_contract(results[0].address).kind
            events = [event for r in committed for event in r.events]
            for hook in self._hooks:
                hook(results[0].address, kind, events)
        return results


def _execution(address: str, caller: str, request: Any) -> Execution:
    if not isinstance(request, dict) or not isinstance(request.get("function"), str):
        raise EngineValidationError("each call needs a function name", "function")
    raw = request.get("input")
    return Execution(address, request["function"], caller, request.get("args"),
                     _hex_bytes(raw, "input") if raw is not None else None,
                     request.get("gas_limit"))


def _code(code: Any, encoding: str) -> bytes | str | None:
    """A module as the API carries it: WAT text, or the binary in base64 or hex."""
    if code is None or encoding == "wat":
        return code
    if not isinstance(code, str):
        raise EngineValidationError("code must be a string", "code")
    if encoding == "hex":
        return _hex_bytes(code, "code")
    try:
        return base64.b64decode(code, validate=True)
    except (binascii.Error, ValueError):
        raise EngineValidationError("code is not valid base64", "code") from None


def _hex_bytes(value: Any, field: str) -> bytes:
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        raise EngineValidationError(f"{field} must be hex bytes (0x-prefixed or bare)", field)
    return bytes.fromhex(value.removeprefix("0x"))


def _salt(value: Any) -> bytes | None:
    if value is None:
        return None
    salt = _hex_bytes(value, "salt")
    if len(salt) != 32:
        raise EngineValidationError("salt must be 32 bytes of hex", "salt")
    return salt


def _cursor_key(cursor: str) -> str:
    before = decode_cursor(cursor).get("before")
    if not isinstance(before, str):
        raise EngineValidationError("the cursor is not one this API issued", "cursor")
    return before
