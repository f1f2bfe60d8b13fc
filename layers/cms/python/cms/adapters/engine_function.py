"""The engine function invoked directly (lambda.invoke, not through API Gateway): what the enclave
parent (training_runner) and the engine function (functions/engine/app.py) agree on.

The parent may only read the engine table; it records a circuit contract's result by invoking
the engine function with::

    {"engine_call": {"address": "0x…", "function": "recordResult",
                     "args": {"statement": {…}, "document": "<base64>"}, "gas_limit": 10000000}}

The function runs the call as ``CIRCUIT_RELAYER`` and answers with the execution result
(``ExecutionResult.to_json()``: ``success``, ``return_value``, ``error``, ``gas_used``, …), or
``{"error": {"code": …, "detail": …}}`` when the call is refused before it runs (a malformed
event, a function other than those in ``DIRECT_FUNCTIONS``, a contract that is not a circuit
contract, storage unavailable). Anything unexpected fails the invocation (Lambda's
FunctionError).
"""

from __future__ import annotations

from typing import Any

from eth_utils import keccak, to_checksum_address

ENGINE_CALL = "engine_call"  # the event's key; API Gateway events never have it
# What the parent's environment names the engine function by (its name or ARN).
ENGINE_FUNCTION_ENV = "CMS_ENGINE_FUNCTION"
# The only functions a direct invocation may run (on circuit contracts): anyone may relay a
# result, the contract verifies its attestation itself.
DIRECT_FUNCTIONS = frozenset({"recordResult"})
# The address recorded results run as (the platform relaying them).
CIRCUIT_RELAYER = to_checksum_address(keccak(text="cms circuit runner")[12:])


def engine_call_event(address: str, function: str, args: dict[str, Any] | None = None,
                      gas_limit: int | None = None) -> dict[str, Any]:
    """The direct invocation's event."""
    call: dict[str, Any] = {"address": address, "function": function}
    if args is not None:
        call["args"] = args
    if gas_limit is not None:
        call["gas_limit"] = gas_limit
    return {ENGINE_CALL: call}
