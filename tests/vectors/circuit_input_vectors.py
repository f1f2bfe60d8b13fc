"""Shared vectors for ``cms-circuit-input/v1`` (cms_wire.circuit_inputs): deterministic
ciphertexts that another implementation (the TypeScript SDK's circuits module) must produce
byte for byte from the same recipient key, binding, bits, ephemeral key and nonce.

The ephemeral key and nonce are fixed through ``_seal``, the module's internal seam; the public
``seal_input`` always draws fresh ones. Regenerate with
``python -m tests.vectors.circuit_input_vectors`` (the output does not change unless the format
does; test_circuit_input_vectors checks the committed file is current)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cms_wire.circuit_inputs import INPUT_FORMAT, _seal, input_aad

FILE = Path(__file__).parent / "circuit_inputs" / "vectors.json"
CIRCUIT_HASH = hashlib.sha256(b"a circuit").hexdigest()
CASES = (  # (name, contract, party, bits)
    ("one-bit", "0x5b38da6a701c568545dcfcb03fcb875f56beddc4", "alice", [1]),
    ("uint16-41000", "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4", "alice",
     [(41_000 >> i) & 1 for i in range(16)]),
    ("nine-bits", "0xAb8483F64d9C6d1EcF9b849Ae677dD3315835cb2", "bob_2",
     [1, 0, 1, 1, 0, 0, 1, 0, 1]),
    ("zeros-64", "0xab8483f64d9c6d1ecf9b849ae677dd3315835cb2", "Carol", [0] * 64),
)


def _key(seed: str) -> ec.EllipticCurvePrivateKey:
    scalar = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    return ec.derive_private_key(scalar % (2**256 - 2**224 - 1) + 1, ec.SECP256R1())


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def vectors() -> dict[str, Any]:
    recipient = _key("cms-circuit-input/v1 recipient")
    public_der = recipient.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    items = []
    for index, (name, contract, party, bits) in enumerate(CASES):
        ephemeral = _key(f"cms-circuit-input/v1 ephemeral {index}")
        nonce = hashlib.sha256(f"nonce {index}".encode()).digest()[:12]
        aad = input_aad(contract, party, CIRCUIT_HASH)
        sealed = _seal(recipient.public_key(), aad, bits, ephemeral, nonce)
        items.append({
            "name": name, "contract": contract, "party": party, "circuit_hash": CIRCUIT_HASH,
            "bits": bits, "aad": aad.decode(),
            "ephemeral_pkcs8": _b64(ephemeral.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption())),
            "nonce": nonce.hex(), "ciphertext": _b64(sealed)})
    return {"format": INPUT_FORMAT, "recipient_public_key": _b64(public_der),
            "recipient_private_pkcs8": _b64(recipient.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption())),
            "vectors": items}


def text() -> str:
    return json.dumps(vectors(), indent=2) + "\n"


if __name__ == "__main__":
    FILE.write_text(text(), encoding="utf-8")
