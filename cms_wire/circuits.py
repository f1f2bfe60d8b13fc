"""Boolean circuits, ``cms-circuit/v1``: the format, its limits, evaluation, and the result
statement an enclave attests about one evaluation.

A circuit is JSON::

    {"format": "cms-circuit/v1",
     "parties": [{"name": "alice", "bits": 8}, {"name": "bob", "bits": 8}],
     "wires": 40,
     "gates": [["XOR", 0, 8, 16], ["NOT", 16, 17], ["AND", 3, 17, 18], ["ONE", 19], ...],
     "outputs": [{"name": "a_greater", "type": "bool", "wires": [39]}]}

- Input wires come first: each party in the listed order contributes ``bits`` consecutive
  wires (alice 0-7, bob 8-15 above). A party's bit ``i`` is wire ``offset + i``; integers are
  encoded least significant bit first.
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

The platform validates a circuit when its contract is deployed, naming what is wrong
(``cms.domain.engine.circuits``); ``evaluate`` still refuses anything that would not evaluate,
because the enclave evaluates whatever circuit its parent hands it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import rfc8785

CIRCUIT_FORMAT = "cms-circuit/v1"
MAX_CIRCUIT_BYTES = 64 * 1024
MAX_GATES = 10_000
MAX_WIRES = 18_192
MAX_PARTIES = 8
MAX_PARTY_BITS = 1024
MAX_OUTPUTS = 16
MAX_OUTPUT_BITS = 256
OUTPUT_TYPES = ("bool", "uint")
# op -> (number of input wires, what the gate computes on bits)
GATES: dict[str, tuple[int, Callable[..., int]]] = {
    "AND": (2, lambda a, b: a & b), "OR": (2, lambda a, b: a | b),
    "XOR": (2, lambda a, b: a ^ b), "NOT": (1, lambda a: a ^ 1),
    "ZERO": (0, lambda: 0), "ONE": (0, lambda: 1)}
ARITY = {op: arity for op, (arity, _) in GATES.items()}

# The statement an enclave attests after evaluating (or refusing to evaluate) a circuit.
RESULT_FORMAT = "cms-circuit-result/v1"
RESULT_FIELDS = frozenset({"format", "contract", "circuit_hash", "input_key_sha256", "inputs",
                           "status", "outputs", "invalid_inputs", "gates"})


class MalformedCircuit(ValueError):
    """A circuit (or its inputs) that cannot be evaluated as given."""


def circuit_hash(circuit: Mapping[str, Any]) -> str:
    """The circuit's name: SHA-256 (hex) of its RFC 8785 canonical JSON."""
    return hashlib.sha256(rfc8785.dumps(dict(circuit))).hexdigest()


def evaluate(circuit: Mapping[str, Any],
             inputs: Mapping[str, Sequence[int]]) -> dict[str, bool | int]:
    """The outputs of ``circuit`` (JSON) on each party's bits (0/1, least significant first):
    a bool, or an unsigned integer. MalformedCircuit if it cannot be evaluated."""
    count = circuit["wires"]
    if not (isinstance(count, int) and 0 < count <= MAX_WIRES
            and len(circuit["gates"]) <= MAX_GATES):
        raise MalformedCircuit("the circuit is over the format's limits")
    wires = _input_wires(circuit, inputs, count)
    for op, *operands in circuit["gates"]:
        arity, function = GATES[op]
        *reads, out = operands
        if len(reads) != arity or not 0 <= out < count or wires[out] is not None:
            raise MalformedCircuit(f"a malformed {op} gate")
        wires[out] = function(*(_read(wires, wire) for wire in reads))
    return {output["name"]: _decoded(output, [_read(wires, w) for w in output["wires"]])
            for output in circuit["outputs"]}


def _input_wires(circuit: Mapping[str, Any], inputs: Mapping[str, Sequence[int]],
                 count: int) -> list[int | None]:
    """The wire list with every party's bits in place and every other wire unset."""
    wires: list[int | None] = [None] * count
    position = 0
    for party in circuit["parties"]:
        bits = inputs[party["name"]]
        if len(bits) != party["bits"] or position + len(bits) > count:
            raise MalformedCircuit(f"{party['name']}'s {len(bits)} bits do not fit the circuit")
        wires[position:position + len(bits)] = [int(bit) for bit in bits]
        position += len(bits)
    return wires


def _read(wires: list[int | None], wire: int) -> int:
    value = wires[wire] if 0 <= wire < len(wires) else None
    if value is None:
        raise MalformedCircuit(f"wire {wire} is read before it is set")
    return value


def _decoded(output: Mapping[str, Any], values: list[int]) -> bool | int:
    if output["type"] == "bool":
        return values == [1]
    return sum(bit << index for index, bit in enumerate(values))


def outputs_json(values: Mapping[str, bool | int]) -> dict[str, bool | str]:
    """Outputs as statements and results carry them: uints as decimal strings."""
    return {name: value if isinstance(value, bool) else str(value)
            for name, value in values.items()}


def result_statement(*, contract: str, circuit_hash: str, input_key_sha256: str,
                     inputs: Mapping[str, str], outputs: Mapping[str, bool | str] | None,
                     invalid_inputs: Sequence[str], gates: int) -> dict[str, Any]:
    """The statement about one evaluation: ``evaluated`` with its outputs, or ``rejected``
    naming the parties whose ciphertext did not open (then no output and no gate ran).
    ``inputs`` maps each party to its ciphertext's SHA-256."""
    evaluated = not invalid_inputs
    return {"format": RESULT_FORMAT, "contract": contract, "circuit_hash": circuit_hash,
            "input_key_sha256": input_key_sha256, "inputs": dict(inputs),
            "status": "evaluated" if evaluated else "rejected",
            "outputs": dict(outputs) if evaluated and outputs is not None else None,
            "invalid_inputs": sorted(invalid_inputs),
            "gates": gates if evaluated else 0}
