"""Boolean circuits on the platform's side: validation that names what is wrong, plaintext
evaluation, and encrypting a party's input.

The format itself (``cms-circuit/v1``: parties, wires, gates, outputs, the circuit hash and
the limits, with why each limit is what it is), the evaluator and the input encryption are
``cms_wire.circuits`` and ``cms_wire.circuit_inputs``, which the enclave image ships too.
Here a circuit is validated whole when its contract is deployed (``parse_circuit``: every
problem is an ``EngineValidationError`` whose pointer names the offending part), and a party
encrypts its input on its own machine (``encrypt_input``) to the contract's input key. The API,
the engine and the parent only ever see ciphertexts; the enclave alone opens them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cms.domain.canonical import canonical_json
from cms.domain.engine.errors import EngineValidationError
from cms_wire import circuits as circuit_format
from cms_wire.circuit_inputs import (
    INPUT_FORMAT,
    INPUT_MAGIC,
    NONCE_BYTES,
    POINT_BYTES,
    TAG_BYTES,
    ciphertext_size,
    input_aad,
    pack_bits,
    seal_input,
)
from cms_wire.circuits import (
    ARITY,
    CIRCUIT_FORMAT,
    MAX_CIRCUIT_BYTES,
    MAX_GATES,
    MAX_OUTPUT_BITS,
    MAX_OUTPUTS,
    MAX_PARTIES,
    MAX_PARTY_BITS,
    MAX_WIRES,
    OUTPUT_TYPES,
    RESULT_FORMAT,
    outputs_json,
)

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")
_KEYS = {"format", "parties", "wires", "gates", "outputs"}

# Importers elsewhere use this module for the format's names as well as for validation.
__all__ = [
    "ARITY", "CIRCUIT_FORMAT", "INPUT_FORMAT", "INPUT_MAGIC", "MAX_CIRCUIT_BYTES", "MAX_GATES",
    "MAX_OUTPUTS", "MAX_OUTPUT_BITS", "MAX_PARTIES", "MAX_PARTY_BITS", "MAX_WIRES", "NONCE_BYTES",
    "OUTPUT_TYPES", "POINT_BYTES", "RESULT_FORMAT", "TAG_BYTES", "Circuit", "Output", "Party",
    "ciphertext_size", "circuit_hash", "encrypt_input", "evaluate", "input_aad",
    "load_public_key", "outputs_json", "pack_bits", "parse_circuit", "public_key_der",
    "uint_bits",
]


@dataclass(frozen=True)
class Party:
    name: str
    bits: int


@dataclass(frozen=True)
class Output:
    name: str
    type: str  # "bool" or "uint"
    wires: tuple[int, ...]


@dataclass(frozen=True)
class Circuit:
    """A validated circuit; ``canonical`` is its RFC 8785 JSON and ``hash`` that JSON's SHA-256."""

    parties: tuple[Party, ...]
    wires: int
    gates: tuple[tuple[Any, ...], ...]
    outputs: tuple[Output, ...]
    canonical: bytes

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.canonical).hexdigest()

    def to_json(self) -> dict[str, Any]:
        return {"format": CIRCUIT_FORMAT,
                "parties": [{"name": p.name, "bits": p.bits} for p in self.parties],
                "wires": self.wires, "gates": [list(gate) for gate in self.gates],
                "outputs": [{"name": o.name, "type": o.type, "wires": list(o.wires)}
                            for o in self.outputs]}


def circuit_hash(circuit: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of a circuit's RFC 8785 canonical JSON."""
    return parse_circuit(circuit).hash


# --- validation ---------------------------------------------------------------------------

def _invalid(detail: str, pointer: str = "") -> EngineValidationError:
    return EngineValidationError(detail, "circuit" + pointer)


def _count(value: object, low: int, high: int, what: str, pointer: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise _invalid(f"{what} must be an integer from {low} to {high}", pointer)
    return value


def _list(value: object, low: int, high: int, what: str, pointer: str) -> list[Any]:
    if not isinstance(value, list) or not low <= len(value) <= high:
        raise _invalid(f"{what} must be a list of {low} to {high} items", pointer)
    return value


def _named(value: object, keys: set[str], pointer: str) -> tuple[dict[str, Any], str]:
    if not isinstance(value, dict) or set(value) != keys:
        raise _invalid(f"must be an object with exactly {sorted(keys)}", pointer)
    name = value["name"]
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise _invalid("a name is a letter then up to 31 letters, digits or _",
                       pointer + "/name")
    return value, name


def parse_circuit(value: object) -> Circuit:
    """Validate a circuit (JSON value); every problem is an ``EngineValidationError`` whose
    pointer names the offending part (``/circuit/gates/12``)."""
    if not isinstance(value, Mapping) or set(value) != _KEYS:
        raise _invalid(f"a circuit is an object with exactly {sorted(_KEYS)}")
    if value["format"] != CIRCUIT_FORMAT:
        raise _invalid(f"format must be {CIRCUIT_FORMAT!r}", "/format")
    parties = _parties(value["parties"])
    inputs = sum(party.bits for party in parties)
    wires = _count(value["wires"], max(inputs, 1), MAX_WIRES, "wires", "/wires")
    assigned = bytearray(wires)
    assigned[:inputs] = b"\x01" * inputs
    gates = tuple(_gate(gate, index, assigned)
                  for index, gate in enumerate(_list(value["gates"], 0, MAX_GATES,
                                                     "gates", "/gates")))
    outputs = _outputs(value["outputs"], assigned)
    circuit = Circuit(parties, wires, gates, outputs, b"")
    canonical = canonical_json(circuit.to_json())
    if len(canonical) > MAX_CIRCUIT_BYTES:
        raise _invalid(f"the circuit's canonical JSON is {len(canonical)} bytes, over "
                       f"{MAX_CIRCUIT_BYTES}")
    return Circuit(parties, wires, gates, outputs, canonical)


def _parties(value: object) -> tuple[Party, ...]:
    parties = []
    for index, item in enumerate(_list(value, 1, MAX_PARTIES, "parties", "/parties")):
        party, name = _named(item, {"name", "bits"}, f"/parties/{index}")
        parties.append(Party(name, _count(party["bits"], 1, MAX_PARTY_BITS, "bits",
                                          f"/parties/{index}/bits")))
    if len({party.name for party in parties}) != len(parties):
        raise _invalid("party names must be unique", "/parties")
    return tuple(parties)


def _gate(value: object, index: int, assigned: bytearray) -> tuple[Any, ...]:
    pointer = f"/gates/{index}"
    if not isinstance(value, list) or not value or not isinstance(value[0], str) \
            or value[0] not in ARITY:
        raise _invalid(f"a gate is [op, inputs..., output] with op one of {sorted(ARITY)}",
                       pointer)
    op, *operands = value
    if len(operands) != ARITY[op] + 1:
        raise _invalid(f"{op} takes {ARITY[op]} input wires and an output wire", pointer)
    *inputs, out = (_count(wire, 0, len(assigned) - 1, "a wire", pointer)
                    for wire in operands)
    for wire in inputs:
        if not assigned[wire]:
            raise _invalid(f"wire {wire} is read before any earlier gate assigns it "
                           "(gates must be in topological order)", pointer)
    if assigned[out]:
        raise _invalid(f"wire {out} is assigned twice", pointer)
    assigned[out] = 1
    return (op, *inputs, out)


def _outputs(value: object, assigned: bytearray) -> tuple[Output, ...]:
    outputs = []
    for index, item in enumerate(_list(value, 1, MAX_OUTPUTS, "outputs", "/outputs")):
        pointer = f"/outputs/{index}"
        output, name = _named(item, {"name", "type", "wires"}, pointer)
        if output["type"] not in OUTPUT_TYPES:
            raise _invalid(f"type must be one of {list(OUTPUT_TYPES)}", pointer + "/type")
        width = (1, 1) if output["type"] == "bool" else (1, MAX_OUTPUT_BITS)
        wires = tuple(_count(wire, 0, len(assigned) - 1, "a wire", pointer)
                      for wire in _list(output["wires"], *width, "wires", pointer + "/wires"))
        if not all(assigned[wire] for wire in wires):
            raise _invalid("an output reads a wire nothing assigns", pointer + "/wires")
        outputs.append(Output(name, output["type"], wires))
    if len({output.name for output in outputs}) != len(outputs):
        raise _invalid("output names must be unique", "/outputs")
    return tuple(outputs)


# --- evaluation ---------------------------------------------------------------------------

def evaluate(circuit: Circuit | Mapping[str, Any],
             inputs: Mapping[str, Sequence[bool | int]]) -> dict[str, bool | int]:
    """The outputs for plaintext inputs (tests, examples, checking the enclave). Inside the
    platform nobody calls this: the enclave evaluates on inputs only it can decrypt."""
    parsed = circuit if isinstance(circuit, Circuit) else parse_circuit(circuit)
    return circuit_format.evaluate(parsed.to_json(), _input_bits(parsed, inputs))


def _input_bits(circuit: Circuit, inputs: Mapping[str, Sequence[bool | int]],
                ) -> dict[str, list[int]]:
    if set(inputs) != {party.name for party in circuit.parties}:
        raise EngineValidationError("inputs must name exactly the circuit's parties", "inputs")
    bits = {}
    for party in circuit.parties:
        values = list(inputs[party.name])
        if len(values) != party.bits or any(bit not in (0, 1) for bit in values):
            raise EngineValidationError(f"{party.name} contributes {party.bits} bits",
                                        f"inputs/{party.name}")
        bits[party.name] = [int(bit) for bit in values]
    return bits


def uint_bits(value: int, width: int) -> list[bool]:
    """``value`` as ``width`` bits, least significant first (the circuits' integer encoding)."""
    if not 0 <= value < 1 << width:
        raise ValueError(f"{value} does not fit in {width} bits")
    return [bool(value >> index & 1) for index in range(width)]


# --- input encryption ---------------------------------------------------------------------

def load_public_key(value: bytes | str) -> ec.EllipticCurvePublicKey:
    """A P-256 public key from PEM (bytes or text), DER, or base64 DER text."""
    try:
        if isinstance(value, str):
            value = value.encode() if "-----BEGIN" in value else base64.b64decode(
                value, validate=True)
        key = (serialization.load_pem_public_key(value) if value.lstrip().startswith(b"-----")
               else serialization.load_der_public_key(value))
    except (ValueError, TypeError, binascii.Error):
        raise EngineValidationError("not a PEM, DER or base64 DER public key",
                                    "input_public_key") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve,
                                                                        ec.SECP256R1):
        raise EngineValidationError("the input key must be a P-256 key", "input_public_key")
    return key


def public_key_der(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def encrypt_input(public_key: bytes | str, contract_address: str, party: str,
                  circuit_hash: str, bits: Sequence[bool | int]) -> str:
    """A party's input, encrypted on its own machine for the enclave (base64 text): the
    ``cms-circuit-input/v1`` ciphertext, bound to contract, party and circuit."""
    if not bits:
        raise EngineValidationError("an input has at least one bit", "bits")
    recipient = load_public_key(public_key)
    try:
        sealed = seal_input(recipient, input_aad(contract_address, party, circuit_hash), bits)
    except ValueError as error:  # a value that is not a bit
        raise EngineValidationError(str(error), "bits") from None
    return base64.b64encode(sealed).decode()
