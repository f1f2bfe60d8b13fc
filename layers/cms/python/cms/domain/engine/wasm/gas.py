"""The WebAssembly gas schedule: wasmtime fuel for instructions, the engine's meter for the rest.

Every execution has one ``GasMeter`` (``cms.domain.engine.gas``); a WebAssembly call spends
from it exactly what an EVM-style call would, plus its instructions and host calls:

=====================  ========================  ================================================
cost                   gas                       charged for
=====================  ========================  ================================================
call_base              21000 (``GasSchedule``)   every execution, first (``GasMeter.charge_call``)
instruction            1 per unit of fuel        wasmtime fuel: 1 per operator, 0 for ``nop``,
                                                 ``drop``, ``block``, ``loop``, ``end``, ``else``,
                                                 ``return``, ``unreachable``; 1 per function
                                                 entered
host_call              700 per call              every host ABI call (EIP-150's G_call: a host
                                                 call costs ~1-2 µs of wall clock, about a
                                                 thousand instructions)
copy_word              3 per 32-byte word        bytes copied by ``input_read`` and
                                                 ``return_data`` (the EVM's G_copy), with
                                                 the flat cost under ``host_call``
storage_read           2100 per word read        ``storage_read`` (``GasMeter.charge_read``)
storage_write          20000 / 2900 / 100        ``storage_write``/``storage_remove``
                       per word                  (``GasMeter.charge_write``: new / update / no-op)
event                  375 + 375 + 8 per byte    ``emit_event`` (``GasMeter.charge_event``: one
                                                 topic, the event name, and the data bytes)
=====================  ========================  ================================================

How fuel and the meter meet: before the call, the store gets fuel for all the gas left after
``call_base``. Host calls are priced as they happen, with the meter's own methods
(``charge_read``, ``charge_write``, ``charge_event``, memoized by size in ``MeterPrices``), and
tallied per kind; a host call that would take the tally past what is left raises
``GasExhausted`` on the spot. When the call ends (returns, traps or aborts), the tallies and
the fuel burnt (``instructions``) are posted to the meter. Gas spent only ever grows, so "the
total crossed the limit" at the end is exactly "a charge would have crossed it on the way":
such a call is ``GasExhausted`` whatever else happened, and the meter then shows the limit
spent. Instructions alone stop at the limit (wasmtime traps when fuel runs out), host calls
alone stop at the limit (the tally); both together can run on until the end of the call, at
most twice the limit of work, which the wall-clock limit also bounds. Bulk memory
instructions (``memory.fill``/``memory.copy``) cost one unit of fuel a byte in this wasmtime
(a 16 MiB fill is ~16.8M gas).

The meter's breakdown labels: ``call``, ``instructions``, ``host_call`` (flat and copy costs),
``storage_read``, ``storage_write``, ``event``; a call of a batch posts all but ``call`` as one
``execution`` entry (``runtime.py``).

A simple case: a function that only writes 8 bytes under a new key costs 21000 (call) + 6
(4 constants and the call, plus entering the function) + 700 (the host call) + 20000 (a new
word) = 41706.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cms.domain.engine.gas import DEFAULT_SCHEDULE, MAX_GAS_LIMIT, GasMeter, GasSchedule

_MAX_MEMOIZED = 4096


@dataclass(frozen=True)
class WasmGasSchedule:
    """The WebAssembly-specific prices; ``storage`` prices the meters a batch creates."""

    instruction: int = 1
    host_call: int = 700
    copy_word: int = 3
    storage: GasSchedule = DEFAULT_SCHEDULE

    def __post_init__(self) -> None:
        if min(self.instruction, self.host_call, self.copy_word) < 0 or self.instruction == 0:
            raise ValueError("gas prices cannot be negative and an instruction must cost gas")


DEFAULT_WASM_SCHEDULE = WasmGasSchedule()


class MeterPrices:
    """What the meter would charge for a storage read, a write or an event, memoized.

    Each price comes from a probe ``GasMeter`` with the same schedule running the real
    ``charge_read``/``charge_write``/``charge_event``, so the pricing rules live in one place
    (``cms.domain.engine.gas``). Prices depend only on sizes (32-byte words) and on whether a
    write changes the value, hence the keys: ``reads[size]``, ``writes[old size, new size,
    unchanged]``, ``events[data size]`` (-1 for an absent value). Host calls look the
    dictionaries up directly and call the methods on a miss.
    """

    def __init__(self, schedule: GasSchedule) -> None:
        self.schedule = schedule
        self.reads: dict[int, int] = {}
        self.writes: dict[tuple[int, int, bool], int] = {}
        self.events: dict[int, int] = {}

    def _probe(self, charge: Callable[[GasMeter], None]) -> int:
        if len(self.writes) >= _MAX_MEMOIZED:  # writes is the one keyed by pairs
            self.writes.clear()
        probe = GasMeter(MAX_GAS_LIMIT, self.schedule)
        charge(probe)
        return probe.used

    def read(self, value: bytes | None) -> int:
        price = self._probe(lambda meter: meter.charge_read(value))
        self.reads[-1 if value is None else len(value)] = price
        return price

    def write(self, old: bytes | None, new: bytes | None) -> int:
        price = self._probe(lambda meter: meter.charge_write(old, new))
        self.writes[write_key(old, new)] = price
        return price

    def event(self, data_bytes: int) -> int:
        price = self._probe(lambda meter: meter.charge_event(1, data_bytes))
        self.events[data_bytes] = price
        return price


def write_key(old: bytes | None, new: bytes | None) -> tuple[int, int, bool]:
    return (-1 if old is None else len(old), -1 if new is None else len(new), old == new)
