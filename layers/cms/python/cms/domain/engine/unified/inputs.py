"""Checking and normalising what callers hand the engine: addresses (and the CREATE2 address
a deployment gets), names, salts, and JSON arguments as canonical bytes for keys."""

from __future__ import annotations

import os
from typing import Any

from eth_utils import keccak, to_checksum_address

from cms.domain.canonical import canonical_json
from cms.domain.engine.erc20 import parse_address
from cms.domain.engine.errors import ContractNotFound, EngineValidationError

MAX_NAME_LENGTH = 100


def create2_address(deployer: str, salt: bytes, init_code: bytes) -> str:
    """EIP-1014: keccak256(0xff ++ deployer ++ salt ++ keccak256(init_code))[12:]."""
    digest = keccak(b"\xff" + bytes.fromhex(deployer[2:]) + salt + keccak(init_code))
    return to_checksum_address(digest[12:])


def contract_address(value: object) -> str:
    try:
        return parse_address(value, "address")
    except EngineValidationError:
        raise ContractNotFound(f"no contract at {value!r}: not an address") from None


def deployment_name(value: object) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= MAX_NAME_LENGTH:
        raise EngineValidationError(f"name must be 1 to {MAX_NAME_LENGTH} characters", "name")
    return value


def deployment_salt(value: bytes | None) -> bytes:
    if value is None:
        return os.urandom(32)
    if not isinstance(value, bytes) or len(value) != 32:
        raise EngineValidationError("salt must be 32 bytes", "salt")
    return value


def canonical_or_none(value: Any) -> bytes | None:
    """RFC 8785 bytes of a JSON value, integers past 2**53 as decimal strings (JCS only
    takes what a double holds exactly); None for what is not JSON at all."""
    try:
        return canonical_json(_wide_ints_as_text(value))
    except (TypeError, ValueError):
        return None


def _wide_ints_as_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _wide_ints_as_text(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_wide_ints_as_text(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**53:
        return str(value)
    return value
