"""A party's side of a boolean-circuit contract: encrypt the input on this machine, submit it.

The SDK ships in the same distribution as the ``cms`` domain library (pyproject.toml), so the
encryption is the domain's own ``encrypt_input`` (ECIES on P-256: ECDH, HKDF-SHA256,
AES-256-GCM bound to contract, party and circuit hash), not a second implementation that could
drift. Only the ciphertext leaves the machine; the enclave alone can open it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cms.domain.engine.circuits import encrypt_input, uint_bits
from cms_client.client import CmsClient

__all__ = ["encrypt_for", "encrypt_input", "submit_input", "uint_bits"]


def encrypt_for(info: Mapping[str, Any], party: str, value: int | Sequence[bool | int]) -> str:
    """Encrypt ``value`` (an unsigned integer, or the bits themselves, least significant
    first) as ``party``'s input, from the contract's ``circuitInfo`` answer."""
    widths = {entry["name"]: entry["bits"] for entry in info["parties"]}
    if party not in widths:
        raise ValueError(f"{party!r} is not a party of this circuit ({sorted(widths)})")
    bits = uint_bits(value, widths[party]) if isinstance(value, int) else list(value)
    return encrypt_input(info["input_public_key"], info["contract"], party,
                         info["circuit_hash"], bits)


def submit_input(client: CmsClient, address: str, party: str,
                 value: int | Sequence[bool | int]) -> dict[str, Any]:
    """Read the contract's input key and circuit hash, encrypt here, submit the ciphertext
    (as the client's identity, which must be ``party``'s address)."""
    info = client.execute(address, "circuitInfo")["return_value"]
    return client.execute(address, "submitInput",
                          {"ciphertext": encrypt_for(info, party, value)})
