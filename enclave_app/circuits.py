"""Boolean-circuit contracts inside the enclave: open each party's input, evaluate, attest.

The other side is ``cms.domain.engine.circuits`` (the contract, and the parties'
``encrypt_input``). What both must agree on (the circuit format and its evaluation, the
input ciphertexts, the result statement) is ``cms_wire``, which this image ships beside the app.

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
from functools import partial
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cms_wire.circuit_inputs import input_aad, open_input
from cms_wire.circuits import (
    MalformedCircuit,
    circuit_hash,
    evaluate,
    outputs_json,
    result_statement,
)
from cms_wire.statements import statement_user_data
from enclave_app import messages
from enclave_app.attestation_module import AttestationModule, unlisted_image
from enclave_app.key_release import EnvelopeError, Recipients


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
    named = circuit_hash(circuit)
    if named != message.get("circuit_hash"):
        raise CircuitError("the circuit's hash is not the one named")
    contract = str(_field(message, "contract", str)).lower()
    public_der = _b64(message.get("input_public_key"), "input_public_key")
    key = _input_key(message, recipients, public_der)
    try:
        statement = _statement(circuit, circuit_hash=named, contract=contract,
                               public_der=public_der, key=key,
                               inputs=_field(message, "inputs", dict))
    except CircuitError:
        raise
    except MalformedCircuit as error:
        raise CircuitError(str(error)) from None
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
        opened = open_input(key, ciphertexts[name], input_aad(contract, name, circuit_hash),
                            count)
        if opened is None:
            invalid.append(name)
        else:
            bits[name] = opened
    return result_statement(
        contract=contract, circuit_hash=circuit_hash,
        input_key_sha256=hashlib.sha256(public_der).hexdigest(),
        inputs={name: hashlib.sha256(data).hexdigest() for name, data in ciphertexts.items()},
        outputs=None if invalid else outputs_json(evaluate(circuit, bits)),
        invalid_inputs=invalid, gates=len(circuit["gates"]))


def _public_der(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


_field = partial(messages.field, error=CircuitError)
_b64 = partial(messages.b64, error=CircuitError)
