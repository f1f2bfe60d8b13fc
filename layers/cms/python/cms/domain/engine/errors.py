"""Errors of the unified contract engine, each with a stable API code and HTTP status.

Two kinds of failure are kept apart on purpose:
- the request itself is wrong (unknown function, malformed address, gas limit zero): an
  ``EngineValidationError``, reported before anything runs, exactly like a JSON-RPC client
  refusing to encode a call;
- the contract ran and refused: ``ContractReverted``, carrying the Solidity custom error's
  name, arguments, 4-byte selector and ABI-encoded revert data, so a client matches it exactly
  as it would match an EVM revert (``ERC20InsufficientBalance(address,uint256,uint256)``...).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eth_abi import encode
from eth_utils import keccak

from cms.domain.errors import DomainError


class ContractNotFound(DomainError):
    code, status, title = "contract_not_found", 404, "No contract at this address"


class ContractExists(DomainError):
    """A deployment's address is taken (the same deployer, salt and init code again)."""

    code, status, title = "contract_exists", 409, "A contract already exists at this address"


class GasExhausted(DomainError):
    """The next charge would cross the gas limit; the caller discards the staged state."""

    code, status, title = "gas_exhausted", 422, "The execution ran out of gas"

    def __init__(self, gas_limit: int, gas_used: int, gas_required: int) -> None:
        super().__init__(
            f"out of gas: {gas_used} used of {gas_limit}, the next step needs {gas_required}",
            gas_limit=gas_limit, gas_used=gas_used, gas_required=gas_required)
        self.gas_limit, self.gas_used, self.gas_required = gas_limit, gas_used, gas_required


class ExecutionTimeout(DomainError):
    code, status, title = "execution_timeout", 422, "The execution exceeded its time limit"


class StorageError(DomainError):
    code, status, title = "storage_error", 503, "The contract state store failed"


class EngineValidationError(DomainError):
    """The call cannot be made as asked (the contract never ran)."""

    code, status, title = "engine_validation_error", 400, "The contract call is not valid"

    def __init__(self, detail: str, field: str | None = None) -> None:
        errors = [{"pointer": f"/{field}" if field else "", "message": detail}]
        super().__init__(detail, errors=errors)
        self.field = field


def selector(signature: str) -> str:
    """The 4-byte selector of a Solidity error or function signature, as 0x-hex."""
    return "0x" + keccak(text=signature)[:4].hex()


def _json_safe(value: Any) -> Any:
    """uint256 values as decimal strings: JSON clients (JavaScript) lose precision past 2**53."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class ContractReverted(DomainError):
    """The contract reverted with a Solidity custom error (or ``Panic(uint256)``).

    ``error`` is the error's name, ``signature`` its canonical signature, ``selector`` the first
    four bytes of its keccak256 and ``data`` the complete revert data (selector + ABI-encoded
    arguments), byte for byte what an EVM node returns for the same failure.
    """

    code, status, title = "contract_reverted", 422, "The contract reverted"

    def __init__(self, error: str, types: Sequence[str], arguments: Sequence[Any]) -> None:
        signature = f"{error}({','.join(types)})"
        error_selector = selector(signature)
        data = error_selector + encode(list(types), list(arguments)).hex()
        rendered = ", ".join(str(argument) for argument in arguments)
        super().__init__(
            f"reverted: {error}({rendered})", error=error, signature=signature,
            selector=error_selector, arguments=[_json_safe(a) for a in arguments], data=data)
        self.error, self.signature, self.selector = error, signature, error_selector
        self.arguments, self.data = list(arguments), data


PANIC_ARITHMETIC_OVERFLOW = 0x11


def panic(code: int) -> ContractReverted:
    """Solidity's built-in ``Panic(uint256)`` (0x11: checked arithmetic over- or underflow)."""
    return ContractReverted("Panic", ["uint256"], [code])

