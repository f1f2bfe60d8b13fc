"""Boolean-circuit contracts inside the enclave: open each party's input, evaluate, attest.

The other side is ``cms.domain.engine.circuits`` (the contract, the circuit format and the
parties' ``encrypt_input``). The enclave is a separate deployable and never imports ``cms``, so
the few constants both sides must agree on are repeated here, and
``tests/unit/test_enclave_circuits.py`` checks that they do (and that both evaluators agree).

The parent sends ``evaluate_circuit`` with the circuit, the contract's address, the input key
pair's private half (KMS released it to a recipient key of this enclave), its public half, the
parties' ciphertexts and the PCR0s the contract allows. The enclave refuses, before opening
anything, an image the contract does not allow and a circuit whose hash is not the one named;
it refuses a released key that is not the contract's input key. Each ciphertext must open
under that key with the AAD that binds it to this contract, this party and this circuit, so a
parent cannot swap inputs between parties or contracts. A ciphertext that does not open is
named in a ``rejected`` statement (nothing is evaluated, nothing about any input leaks); else
the statement carries the outputs. Either way its attestation document's user_data is
SHA-256 of the statement's RFC 8785 form, which the contract checks before recording it.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from functools import partial
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from enclave_app import messages
from enclave_app.attestation_module import (
    AttestationModule,
    statement_user_data,
    unlisted_image,
)
from enclave_app.key_release import EnvelopeError, Recipients

# Shared with cms.domain.engine.circuits (checked equal by the tests).
INPUT_FORMAT = "cms-circuit-input/v1"
INPUT_MAGIC = b"CMSCIN01"
RESULT_FORMAT = "cms-circuit-result/v1"
POINT_BYTES = 65  # an uncompressed P-256 point
NONCE_BYTES = 12
MAX_GATES = 10_000
MAX_WIRES = 18_192

_OPS: dict[str, tuple[int, Callable[..., int]]] = {
    "AND": (2, lambda a, b: a & b), "OR": (2, lambda a, b: a | b),
    "XOR": (2, lambda a, b: a ^ b), "NOT": (1, lambda a: a ^ 1),
    "ZERO": (0, lambda: 0), "ONE": (0, lambda: 1)}


class CircuitError(ValueError):
    """A request the enclave will not evaluate (the reason goes back to the parent)."""


def evaluate_circuit(message: dict[str, Any], recipients: Recipients,
                     module: AttestationModule) -> dict[str, Any]:
    measurements = _field(message, "enclave_measurements", list)
    pcr0 = unlisted_image(module, measurements)
    if pcr0 is not None:
        raise CircuitError(f"this enclave image (PCR0 {pcr0[:16]}…) is not among the "
                           f"contract's {len(measurements)} allowed measurements")
    circuit = _field(message, "circuit", dict)
    circuit_hash = hashlib.sha256(rfc8785.dumps(circuit)).hexdigest()
    if circuit_hash != message.get("circuit_hash"):
        raise CircuitError("the circuit's hash is not the one named")
    contract = str(_field(message, "contract", str)).lower()
    public_der = _b64(message.get("input_public_key"), "input_public_key")
    key = _input_key(message, recipients, public_der)
    try:
        statement = _statement(circuit, circuit_hash=circuit_hash, contract=contract,
                               public_der=public_der, key=key,
                               inputs=_field(message, "inputs", dict))
    except CircuitError:
        raise
    except (KeyError, IndexError, TypeError, ValueError) as error:
        raise CircuitError(f"the circuit is malformed: {error!r}") from None
    document = module.attest(user_data=statement_user_data(statement))
    return {"statement": statement, "document": base64.b64encode(document).decode(),
            "simulated": module.simulated}


def _input_key(message: dict[str, Any], recipients: Recipients,
               public_der: bytes) -> ec.EllipticCurvePrivateKey:
    """The released private key, refused unless it is the contract's input key: a parent
    that released another key cannot have the statement name the contract's."""
    recipient_id = str(_field(message, "recipient_id", str))
    try:
        der = recipients.open(recipient_id, _b64(message.get("key"), "key"))
        key = serialization.load_der_private_key(der, password=None)
    except (EnvelopeError, ValueError, TypeError) as error:
        raise CircuitError(f"the input key was not released to this enclave: {error}") from None
    finally:
        recipients.forget(recipient_id)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or _public_der(key) != public_der:
        raise CircuitError("the released key is not the contract's input key")
    return key


def _statement(circuit: dict[str, Any], *, circuit_hash: str, contract: str, public_der: bytes,
               key: ec.EllipticCurvePrivateKey, inputs: dict[str, Any]) -> dict[str, Any]:
    parties = [(str(party["name"]), int(party["bits"])) for party in circuit["parties"]]
    if sorted(inputs) != sorted(name for name, _ in parties):
        raise CircuitError("the inputs are not exactly the circuit's parties")
    ciphertexts = {name: _b64(inputs[name], f"inputs.{name}") for name, _ in parties}
    bits, invalid = {}, []
    for name, count in parties:
        aad = input_aad(contract, name, circuit_hash)
        opened = open_input(key, ciphertexts[name], aad, count)
        if opened is None:
            invalid.append(name)
        bits[name] = opened
    evaluated = not invalid
    return {"format": RESULT_FORMAT, "contract": contract, "circuit_hash": circuit_hash,
            "input_key_sha256": hashlib.sha256(public_der).hexdigest(),
            "inputs": {name: hashlib.sha256(data).hexdigest()
                       for name, data in ciphertexts.items()},
            "status": "evaluated" if evaluated else "rejected",
            "outputs": evaluate(circuit, bits) if evaluated else None,
            "invalid_inputs": sorted(invalid),
            "gates": len(circuit["gates"]) if evaluated else 0}


def input_aad(contract: str, party: str, circuit_hash: str) -> bytes:
    return rfc8785.dumps({"format": INPUT_FORMAT, "contract": contract.lower(),
                          "party": party, "circuit_hash": circuit_hash})


def open_input(key: ec.EllipticCurvePrivateKey, ciphertext: bytes, aad: bytes,
               bits: int) -> list[int] | None:
    """A party's bits (LSB first within each byte), or None when the ciphertext does not
    open under this key and binding or does not hold exactly ``bits`` bits."""
    header = len(INPUT_MAGIC) + POINT_BYTES + NONCE_BYTES
    if not ciphertext.startswith(INPUT_MAGIC) or len(ciphertext) < header:
        return None
    point = ciphertext[len(INPUT_MAGIC):len(INPUT_MAGIC) + POINT_BYTES]
    try:
        ephemeral = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        aes_key = _kdf(key.exchange(ec.ECDH(), ephemeral), point, _point(key))
        plain = AESGCM(aes_key).decrypt(ciphertext[header - NONCE_BYTES:header],
                                        ciphertext[header:], aad)
    except (ValueError, InvalidTag):
        return None
    if len(plain) != (bits + 7) // 8:
        return None
    values = [(plain[i // 8] >> (i % 8)) & 1 for i in range(len(plain) * 8)]
    return None if any(values[bits:]) else values[:bits]  # padding bits must be zero


def _kdf(shared: bytes, ephemeral_point: bytes, recipient_point: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=INPUT_FORMAT.encode() + ephemeral_point + recipient_point).derive(shared)


def evaluate(circuit: dict[str, Any], bits: dict[str, list[int]]) -> dict[str, Any]:
    """The outputs, JSON-ready: a bool, or an unsigned integer as a decimal string (wires
    least significant first). The circuit was validated when its contract was deployed and
    the hash binds it; the checks here only keep a malformed one from evaluating."""
    count = circuit["wires"]
    if not (isinstance(count, int) and 0 < count <= MAX_WIRES
            and len(circuit["gates"]) <= MAX_GATES):
        raise CircuitError("the circuit is over the enclave's limits")
    wires: list[int | None] = [None] * count
    position = 0
    for party in circuit["parties"]:
        for bit in bits[party["name"]]:
            wires[position] = bit
            position += 1
    for op, *operands in circuit["gates"]:
        arity, function = _OPS[op]
        *inputs, out = operands
        if len(inputs) != arity or not 0 <= out < count or wires[out] is not None:
            raise CircuitError(f"a malformed {op} gate")
        wires[out] = function(*(_read(wires, wire) for wire in inputs))
    return {output["name"]: _decode(output, [_read(wires, w) for w in output["wires"]])
            for output in circuit["outputs"]}


def _read(wires: list[int | None], wire: int) -> int:
    value = wires[wire] if 0 <= wire < len(wires) else None
    if value is None:
        raise CircuitError(f"wire {wire} is read before it is set")
    return value


def _decode(output: dict[str, Any], values: list[int]) -> bool | str:
    if output["type"] == "bool":
        return values == [1]
    return str(sum(bit << index for index, bit in enumerate(values)))


def _public_der(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def _point(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.X962,
                                         serialization.PublicFormat.UncompressedPoint)


_field = partial(messages.field, error=CircuitError)
_b64 = partial(messages.b64, error=CircuitError)
