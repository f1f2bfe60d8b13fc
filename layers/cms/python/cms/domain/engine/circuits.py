"""Boolean circuits (issue 6, §5): the format, its validation, evaluation, and input encryption.

A circuit is JSON (``cms-circuit/v1``)::

    {"format": "cms-circuit/v1",
     "parties": [{"name": "alice", "bits": 8}, {"name": "bob", "bits": 8}],
     "wires": 40,
     "gates": [["XOR", 0, 8, 16], ["NOT", 16, 17], ["AND", 3, 17, 18], ["ONE", 19], ...],
     "outputs": [{"name": "a_greater", "type": "bool", "wires": [39]}]}

- Input wires come first: each party in the listed order contributes ``bits`` consecutive
  wires (alice 0-7, bob 8-15 above). A party's bit ``i`` is wire ``offset + i``; integers are
  encoded least significant bit first (``uint_bits``).
- A gate is ``[op, input wires..., output wire]``: ``AND``, ``OR``, ``XOR`` take two inputs,
  ``NOT`` one, the constants ``ZERO`` and ``ONE`` none. Every wire is assigned once (an input
  wire, or one gate's output) and a gate reads only wires assigned before it, so the list
  order is a topological order and evaluation is one pass.
- An output is a named group of wires: ``bool`` (one wire) or ``uint`` (up to 256 wires, least
  significant first; shown as a decimal string in JSON, which loses integers past 2**53).

``circuit_hash`` is the SHA-256 of the circuit's RFC 8785 canonical JSON. It names the circuit
everywhere: in each party's input encryption (AAD), in the enclave's statement and in the
contract's check of that statement.

Limits, and why. Evaluating is cheap: the enclave's pure-Python evaluator does about 400,000
gates a second. Storing is not: a circuit contract keeps its circuit in contract storage at
the EVM's code-deposit price (200 gas a byte, doubled by the privacy multiplier), so under the
30,000,000 gas limit of one call a circuit's canonical JSON must stay within 64 KiB: some
3,000 gates (a gate takes 12 to 25 bytes). The other limits sit at or above what fits:

================  =======  ====================================================================
limit             value    why
================  =======  ====================================================================
canonical JSON    64 KiB   the storage price (above); also well inside a DynamoDB item
gates             10,000   more cannot fit in 64 KiB of JSON (the enclave evaluates 10,000 in
                           about 25 ms)
wires             18,192   every input bit and every gate output
parties           8        a fixed party list; each submits one ciphertext
bits per party    1024     a 128-byte input; the circuit must still fit: a 1024-bit equality
                           test does (2,048 gates, 45 KB), the largest comparator is ~700 bits
                           (2,801 gates, 62 KB) and the largest adder ~550 bits
outputs           16       each at most 256 wires
================  =======  ====================================================================

Inputs are encrypted by each party on their own machine to the contract's input key (P-256)
with ECIES: an ephemeral ECDH key, HKDF-SHA256 (info: the format, the ephemeral and the
recipient points) and AES-256-GCM whose AAD binds the ciphertext to the contract address, the
party's name and the circuit hash (``encrypt_input``). The enclave holds the private key; the
API, the engine and the parent only ever see ciphertexts. The enclave's side of all of this is
``enclave_app/circuits.py``, a separate deployable that repeats the shared constants below.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from cms.domain.canonical import canonical_json
from cms.domain.engine.errors import EngineValidationError

CIRCUIT_FORMAT = "cms-circuit/v1"
# Shared with enclave_app/circuits.py (tests/unit/test_enclave_circuits.py checks they match).
INPUT_FORMAT = "cms-circuit-input/v1"
INPUT_MAGIC = b"CMSCIN01"
RESULT_FORMAT = "cms-circuit-result/v1"
POINT_BYTES = 65  # an uncompressed P-256 point
NONCE_BYTES = 12
TAG_BYTES = 16
MAX_GATES = 10_000
MAX_WIRES = 18_192

MAX_PARTIES = 8
MAX_PARTY_BITS = 1024
MAX_OUTPUTS = 16
MAX_OUTPUT_BITS = 256
MAX_CIRCUIT_BYTES = 64 * 1024
ARITY = {"AND": 2, "OR": 2, "XOR": 2, "NOT": 1, "ZERO": 0, "ONE": 0}
OUTPUT_TYPES = ("bool", "uint")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")
_KEYS = {"format", "parties", "wires", "gates", "outputs"}


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

_FUNCTIONS = {"AND": lambda a, b: a & b, "OR": lambda a, b: a | b,
              "XOR": lambda a, b: a ^ b, "NOT": lambda a: a ^ 1,
              "ZERO": lambda: 0, "ONE": lambda: 1}


def evaluate(circuit: Circuit | Mapping[str, Any],
             inputs: Mapping[str, Sequence[bool | int]]) -> dict[str, bool | int]:
    """The outputs for plaintext inputs (tests, examples, checking the enclave). Inside the
    platform nobody calls this: the enclave evaluates on inputs only it can decrypt."""
    parsed = circuit if isinstance(circuit, Circuit) else parse_circuit(circuit)
    wires = [0] * parsed.wires
    offset = 0
    for party, bits in _input_bits(parsed, inputs):
        wires[offset:offset + party.bits] = bits
        offset += party.bits
    for op, *operands in parsed.gates:
        wires[operands[-1]] = _FUNCTIONS[op](*(wires[w] for w in operands[:-1]))
    return {output.name: _decoded(output, [wires[w] for w in output.wires])
            for output in parsed.outputs}


def _input_bits(circuit: Circuit, inputs: Mapping[str, Sequence[bool | int]],
                ) -> list[tuple[Party, list[int]]]:
    if set(inputs) != {party.name for party in circuit.parties}:
        raise EngineValidationError("inputs must name exactly the circuit's parties", "inputs")
    pairs = []
    for party in circuit.parties:
        bits = list(inputs[party.name])
        if len(bits) != party.bits or any(bit not in (0, 1) for bit in bits):
            raise EngineValidationError(f"{party.name} contributes {party.bits} bits",
                                        f"inputs/{party.name}")
        pairs.append((party, [int(bit) for bit in bits]))
    return pairs


def _decoded(output: Output, values: list[int]) -> bool | int:
    if output.type == "bool":
        return values[0] == 1
    return sum(bit << index for index, bit in enumerate(values))


def outputs_json(values: Mapping[str, bool | int]) -> dict[str, bool | str]:
    """Outputs as statements and results carry them: uints as decimal strings."""
    return {name: value if isinstance(value, bool) else str(value)
            for name, value in values.items()}


def uint_bits(value: int, width: int) -> list[bool]:
    """``value`` as ``width`` bits, least significant first (the circuits' integer encoding)."""
    if not 0 <= value < 1 << width:
        raise ValueError(f"{value} does not fit in {width} bits")
    return [bool(value >> index & 1) for index in range(width)]


# --- input encryption ---------------------------------------------------------------------

def ciphertext_size(bits: int) -> int:
    """The exact size of a party's encrypted input of ``bits`` bits."""
    return len(INPUT_MAGIC) + POINT_BYTES + NONCE_BYTES + (bits + 7) // 8 + TAG_BYTES


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


def input_aad(contract_address: str, party: str, circuit_hash: str) -> bytes:
    """What a ciphertext is bound to: the contract (lower-case hex), the party, the circuit."""
    return canonical_json({"format": INPUT_FORMAT, "contract": contract_address.lower(),
                           "party": party, "circuit_hash": circuit_hash})


def pack_bits(bits: Sequence[bool | int]) -> bytes:
    """Bits into bytes, least significant bit first; unused high bits of the last byte zero."""
    packed = bytearray((len(bits) + 7) // 8)
    for index, bit in enumerate(bits):
        if bit not in (0, 1):
            raise EngineValidationError("input bits must be booleans or 0/1", "bits")
        packed[index // 8] |= int(bit) << (index % 8)
    return bytes(packed)


def encrypt_input(public_key: bytes | str, contract_address: str, party: str,
                  circuit_hash: str, bits: Sequence[bool | int]) -> str:
    """A party's input, encrypted on its own machine for the enclave (base64 text).

    ``MAGIC || ephemeral P-256 point || nonce || AES-256-GCM(packed bits)``, the AES key from
    ECDH with the contract's input key through HKDF-SHA256, the AAD binding contract, party
    and circuit: a ciphertext copied to another party, contract or circuit does not open.
    """
    if not bits:
        raise EngineValidationError("an input has at least one bit", "bits")
    recipient = load_public_key(public_key)
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    point = _point(ephemeral.public_key())
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=INPUT_FORMAT.encode() + point + _point(recipient)).derive(
        ephemeral.exchange(ec.ECDH(), recipient))
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, pack_bits(bits),
                                 input_aad(contract_address, party, circuit_hash))
    return base64.b64encode(INPUT_MAGIC + point + nonce + sealed).decode()


def _point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962,
                            serialization.PublicFormat.UncompressedPoint)
