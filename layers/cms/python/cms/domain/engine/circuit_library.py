"""Ready-made boolean circuits (``cms-circuit/v1``, see cms_wire.circuits) and a builder.

Two parties, ``alice`` and ``bob`` by default, each contributing an ``n``-bit unsigned integer
(least significant bit first):

- ``comparator(n)``: Yao's millionaires' problem, output ``a_greater`` (alice's > bob's); 4
  gates a bit plus one constant;
- ``adder(n)``: output ``sum``, ``n + 1`` bits; 5 gates a bit plus one constant;
- ``equality(n)``: output ``equal``; 2 gates a bit.

Neither party learns the other's number: only the named output leaves the enclave.
"""

from __future__ import annotations

from typing import Any

from cms_wire.circuits import CIRCUIT_FORMAT


class CircuitBuilder:
    """Allocates wires in order: input wires first, then one per gate, so what it builds is
    topologically ordered by construction."""

    def __init__(self, parties: list[tuple[str, int]]) -> None:
        self._parties = parties
        self._inputs: dict[str, list[int]] = {}
        offset = 0
        for name, bits in parties:
            self._inputs[name] = list(range(offset, offset + bits))
            offset += bits
        self._next = offset
        self._gates: list[list[Any]] = []
        self._outputs: list[dict[str, Any]] = []

    def input(self, party: str) -> list[int]:
        """The party's input wires, least significant bit first."""
        return list(self._inputs[party])

    def gate(self, op: str, *inputs: int) -> int:
        """Add a gate; returns its output wire."""
        out = self._next
        self._next += 1
        self._gates.append([op, *inputs, out])
        return out

    def output(self, name: str, kind: str, wires: list[int]) -> None:
        self._outputs.append({"name": name, "type": kind, "wires": wires})

    def build(self) -> dict[str, Any]:
        return {"format": CIRCUIT_FORMAT,
                "parties": [{"name": name, "bits": bits} for name, bits in self._parties],
                "wires": self._next, "gates": self._gates, "outputs": self._outputs}


def comparator(bits: int, a: str = "alice", b: str = "bob") -> dict[str, Any]:
    """``a_greater``: a > b. From the least significant bit up, ``gt`` becomes a_i where the
    bits differ and stays where they agree: gt' = gt ^ ((a_i ^ b_i) & (a_i ^ gt))."""
    circuit = CircuitBuilder([(a, bits), (b, bits)])
    greater = circuit.gate("ZERO")
    for a_bit, b_bit in zip(circuit.input(a), circuit.input(b), strict=True):
        differ = circuit.gate("XOR", a_bit, b_bit)
        flips = circuit.gate("AND", differ, circuit.gate("XOR", a_bit, greater))
        greater = circuit.gate("XOR", greater, flips)
    circuit.output("a_greater", "bool", [greater])
    return circuit.build()


def adder(bits: int, a: str = "alice", b: str = "bob") -> dict[str, Any]:
    """``sum``: a + b as ``bits + 1`` bits (a ripple-carry adder of full adders)."""
    circuit = CircuitBuilder([(a, bits), (b, bits)])
    carry, total = circuit.gate("ZERO"), []
    for a_bit, b_bit in zip(circuit.input(a), circuit.input(b), strict=True):
        half = circuit.gate("XOR", a_bit, b_bit)
        total.append(circuit.gate("XOR", half, carry))
        carry = circuit.gate("OR", circuit.gate("AND", a_bit, b_bit),
                             circuit.gate("AND", half, carry))
    circuit.output("sum", "uint", [*total, carry])
    return circuit.build()


def equality(bits: int, a: str = "alice", b: str = "bob") -> dict[str, Any]:
    """``equal``: a == b (no bit differs)."""
    circuit = CircuitBuilder([(a, bits), (b, bits)])
    differences = [circuit.gate("XOR", a_bit, b_bit)
                   for a_bit, b_bit in zip(circuit.input(a), circuit.input(b), strict=True)]
    any_differs = differences[0]
    for difference in differences[1:]:
        any_differs = circuit.gate("OR", any_differs, difference)
    circuit.output("equal", "bool", [circuit.gate("NOT", any_differs)])
    return circuit.build()
