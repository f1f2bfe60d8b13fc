"""The parent's access to the contract engine: reads from the engine table (read-only IAM), and
calls that change a contract through the engine function (lambda.invoke), which runs them with
every contract check (cms.adapters.engine_function has the event and its answers).

The parent cannot write the engine table: a compromised parent can at most relay a result,
which the circuit contract verifies against its attestation like anyone else's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cms.adapters.aws import attempt
from cms.adapters.engine_function import CIRCUIT_RELAYER, engine_call_event
from cms.domain.engine.state import ContractState
from cms.domain.errors import DependencyUnavailable, DomainError

# Longer than the engine function's own timeout (29 s), so a slow call is not cut short here.
INVOKE_READ_TIMEOUT_S = 60


# Answers that say "not now" rather than "no": the job stays on the queue.
RETRYABLE = frozenset({DependencyUnavailable.code, "storage_error", "contract_busy"})


class EngineCallRefused(DomainError):
    """The engine function refused the call before running it (its ``{"error": …}``)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code


@dataclass(frozen=True)
class InvokedResult:
    """What CircuitRunner reads of the engine function's ExecutionResult JSON."""

    success: bool
    return_value: Any
    error: dict[str, Any] | None
    payload: dict[str, Any] = field(repr=False)


def lambda_client() -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("lambda", config=Config(
        connect_timeout=5, read_timeout=INVOKE_READ_TIMEOUT_S,
        retries={"max_attempts": 3, "mode": "standard"}))


@dataclass
class EngineFunction:
    """``reader`` is an EngineService (reads only); ``function`` the engine function's name or
    ARN. ``invoke`` is ``lambda.invoke`` (a boto3 Lambda client's, by default)."""

    reader: Any
    function: str
    invoke: Any = None

    def __post_init__(self) -> None:
        if not self.function:
            raise ValueError("the engine function's name is not configured")
        if self.invoke is None:
            self.invoke = lambda_client().invoke

    def get_contract(self, address: str) -> Any:
        return self.reader.get_contract(address)

    def contract_state(self, address: str) -> ContractState:
        return self.reader.contract_state(address)

    def execute(self, caller: str, address: str, function: str, args: Any = None,
                gas_limit: int | None = None) -> InvokedResult:
        """Run one call through the engine function. It runs as ``CIRCUIT_RELAYER`` (the
        function decides, not the parent): any other caller is refused here."""
        if caller != CIRCUIT_RELAYER:
            raise ValueError(f"the engine function runs calls as {CIRCUIT_RELAYER}, not {caller}")
        event = engine_call_event(address, function, args, gas_limit)
        response = attempt("invoke the engine function", lambda: self.invoke(
            FunctionName=self.function, InvocationType="RequestResponse",
            Payload=json.dumps(event, separators=(",", ":")).encode()))
        body = response["Payload"].read()
        if response.get("FunctionError"):  # unexpected: the job stays on the queue
            raise DependencyUnavailable(f"the engine function failed "
                                        f"({response['FunctionError']}): {body[:500]!r}")
        payload = json.loads(body)
        if set(payload) == {"error"}:
            code = str(payload["error"].get("code", "error"))
            detail = str(payload["error"].get("detail", ""))
            if code in RETRYABLE:  # the engine's storage, or a busy contract: try again later
                raise DependencyUnavailable(detail)
            raise EngineCallRefused(code, detail)
        return InvokedResult(bool(payload["success"]), payload.get("return_value"),
                             payload.get("error"), payload)
