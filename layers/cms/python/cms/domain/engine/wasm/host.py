"""The host ABI: the functions a contract imports from module ``"cms"``.

Every pointer and length is an i32 into the contract's exported ``memory``; a range outside
it, or a size over its limit, traps (the call reverts with ``Trap``). Every call costs
``host_call`` gas first, then what it does (``gas.py``):

==================  ====================================  =======================================
import              wasm signature                        behaviour
==================  ====================================  =======================================
storage_read        (key_ptr, key_len, out_ptr, out_cap)  the value's length, or -1 if the key is
                    -> i32                                absent; copies min(length, out_cap)
                                                          bytes to out_ptr (ask again with a
                                                          bigger buffer if it did not fit)
storage_write       (key_ptr, key_len, val_ptr, val_len)  stores the value (empty is a value)
storage_remove      (key_ptr, key_len)                    forgets the key (absent: no error)
emit_event          (name_ptr, name_len, data_ptr,        an event: a UTF-8 name (1-64 bytes)
                    data_len)                             and data (the manifest may declare
                                                          the data's fields)
caller              (out_ptr)                             writes the caller's 20-byte address
contract_address    (out_ptr)                             writes the contract's 20-byte address
block_number        () -> i64                             the block (sequence) number
timestamp           () -> i64                             the block time, unix seconds
input_size          () -> i32                             the input's length
input_read          (out_ptr, out_cap) -> i32             the input's length; copies
                                                          min(length, out_cap) bytes to out_ptr
return_data         (ptr, len)                            sets the return data (the last wins)
abort               (msg_ptr, msg_len)                    never returns: reverts with
                                                          ``Error(string)`` and the UTF-8 message
==================  ====================================  =======================================

Limits: keys 1-64 bytes, values up to 16 KiB, input and return data up to 64 KiB, event data
up to 16 KiB, abort messages cut at 1 KiB. A function the manifest marks ``read_only`` traps
on ``storage_write``, ``storage_remove`` and ``emit_event``. Storage keys are stored in the
contract's ``ContractState`` as ``"w:" + hex(key)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from cms.domain.engine.errors import ContractReverted, GasExhausted
from cms.domain.engine.gas import WORD, GasMeter
from cms.domain.engine.state import ContractState, ReadOnlyState
from cms.domain.engine.wasm.abi import Param, WasmEvent
from cms.domain.engine.wasm.gas import MeterPrices, WasmGasSchedule
from cms.domain.engine.wasm.limits import (
    MAX_ABORT_MESSAGE_BYTES,
    MAX_EVENT_DATA_BYTES,
    MAX_EVENT_NAME_BYTES,
    MAX_KEY_BYTES,
    MAX_RETURN_BYTES,
    MAX_VALUE_BYTES,
)
from cms.domain.engine.wasm.native import NativeInstance

HOST_MODULE = "cms"
KEY_PREFIX = "w:"
ADDRESS_BYTES = 20
_I32, _I64 = "i32", "i64"

Signature = tuple[tuple[str, ...], tuple[str, ...]]
HOST_FUNCTIONS: dict[str, Signature] = {
    "storage_read": ((_I32,) * 4, (_I32,)),
    "storage_write": ((_I32,) * 4, ()),
    "storage_remove": ((_I32, _I32), ()),
    "emit_event": ((_I32,) * 4, ()),
    "caller": ((_I32,), ()),
    "contract_address": ((_I32,), ()),
    "block_number": ((), (_I64,)),
    "timestamp": ((), (_I64,)),
    "input_size": ((), (_I32,)),
    "input_read": ((_I32, _I32), (_I32,)),
    "return_data": ((_I32, _I32), ()),
    "abort": ((_I32, _I32), ()),
}


class HostTrap(Exception):
    """A contract misused the host ABI; the call reverts with ``Trap(message)``."""


def storage_key(key: bytes) -> str:
    """The ``ContractState`` key under which a contract's storage key is kept."""
    return KEY_PREFIX + key.hex()


class Host:
    """The host side of one execution at a time; the ABI methods below are what the guest
    calls. ``bind_frame`` points it at an instance and a call context, ``bind_call`` at one
    call's input, state and meter.

    Costs add up in ``spent`` (storage, events and flat costs alike; ``read_gas``,
    ``write_gas``, ``event_gas`` keep the split) and are posted to the meter by the runtime
    when the call ends; ``budget`` (what the meter had left) stops them on the spot. Guest
    memory is read and written through a memoryview of the linear memory, rebuilt when the
    guest has grown it.

    Writes wait in ``writes`` until the runtime commits a call that succeeded (a failed call
    simply drops them, so a batch needs no staged overlay per call); ``values`` remembers
    what the call read or wrote, so a key is asked of the state once per call at most (a
    DynamoDB round trip, for that backend). The methods are written flat: one of them runs on
    every host call.
    """

    __slots__ = ("_copy_word", "_host_call", "_instance", "_prices", "block", "budget",
                 "caller_bytes", "contract_bytes", "event_gas", "event_schemas", "events", "gas",
                 "input", "memory", "output", "read_gas", "read_only", "size", "spent",
                 "state", "time", "values", "write_gas", "writes")

    def __init__(self, schedule: WasmGasSchedule) -> None:
        self._host_call, self._copy_word = schedule.host_call, schedule.copy_word
        self._prices = MeterPrices(schedule.storage)
        self._instance: NativeInstance | None = None
        self.memory, self.size = memoryview(b""), 0
        # Unbound: no state until ``bind_call`` (a stray host call could not write anywhere).
        self.state: ContractState = ReadOnlyState({})
        self.gas = GasMeter(1)
        self.spent = self.budget = self.read_gas = self.write_gas = self.event_gas = 0
        self.input = self.caller_bytes = self.contract_bytes = self.output = b""
        self.block = self.time = 0
        self.read_only = False
        self.events: list[WasmEvent] = []
        self.event_schemas: Mapping[str, tuple[Param, ...]] = {}
        self.values: dict[str, bytes | None] = {}
        self.writes: dict[str, bytes | None] = {}

    def functions(self) -> dict[str, Callable[..., Any]]:
        return {name: getattr(self, name) for name in HOST_FUNCTIONS}

    def bind_frame(self, instance: NativeInstance, contract: bytes, block: int, time: int,
                   event_schemas: Mapping[str, tuple[Param, ...]]) -> None:
        """Serve calls of ``instance`` in one context (a batch, or a single execution)."""
        self._instance = instance
        self.memory = instance.memory_view()
        self.size = len(self.memory)
        self.contract_bytes, self.block, self.time = contract, block, time
        self.event_schemas = event_schemas

    def bind_call(self, state: ContractState, gas: GasMeter, data: bytes, caller: bytes,
                  read_only: bool) -> None:
        if gas.schedule is not self._prices.schedule:
            self._prices = MeterPrices(gas.schedule)
        self.state, self.gas, self.input, self.caller_bytes = state, gas, data, caller
        self.read_only = read_only
        self.spent = self.read_gas = self.write_gas = self.event_gas = 0
        self.budget = gas.remaining
        self.output, self.events, self.values, self.writes = b"", [], {}, {}

    def commit(self) -> None:
        """Apply the call's writes to its state (only a call that succeeded is committed)."""
        state = self.state
        for key, value in self.writes.items():
            if value is None:
                state.remove(key)
            else:
                state.set(key, value)

    def unbind(self) -> None:
        """Drop the instance (its memory is freed with it: no view may outlive it)."""
        self._instance, self.memory, self.size = None, memoryview(b""), 0

    # -- gas and guest memory --

    def _gas(self, amount: int) -> None:
        spent = self.spent + amount
        if spent > self.budget:
            raise GasExhausted(self.gas.limit, self.gas.used + self.spent, amount)
        self.spent = spent

    def _reach(self, end: int) -> None:
        assert self._instance is not None, "host functions run only inside a call"
        self.memory = self._instance.memory_view()  # the guest may have grown its memory
        self.size = len(self.memory)
        if end > self.size:
            raise HostTrap(f"a host call reached byte {end} of a {self.size}-byte memory")

    def _read(self, pointer: int, size: int) -> bytes:
        end = pointer + size
        if end > self.size:
            self._reach(end)
        return self.memory[pointer:end].tobytes()

    def _write(self, pointer: int, data: bytes) -> None:
        end = pointer + len(data)
        if end > self.size:
            self._reach(end)
        self.memory[pointer:end] = data

    def _key(self, pointer: int, size: int) -> str:
        if not 0 < size <= MAX_KEY_BYTES:
            raise HostTrap(f"a storage key must be 1 to {MAX_KEY_BYTES} bytes, not {size}")
        end = pointer + size
        if end > self.size:
            self._reach(end)
        return KEY_PREFIX + self.memory[pointer:end].hex()

    def _writable(self, what: str) -> None:
        if self.read_only:
            raise HostTrap(f"{what} in a read-only function")

    def _out_of_gas(self, amount: int) -> GasExhausted:
        return GasExhausted(self.gas.limit, self.gas.used + self.spent, amount)

    def _check_sizes(self, key_len: int, value_len: int = 0) -> None:
        if not 0 < key_len <= MAX_KEY_BYTES:
            raise HostTrap(f"a storage key must be 1 to {MAX_KEY_BYTES} bytes, not {key_len}")
        if value_len > MAX_VALUE_BYTES:
            raise HostTrap(f"a storage value must be at most {MAX_VALUE_BYTES} bytes, "
                           f"not {value_len}")

    # -- the ABI (names and signatures: HOST_FUNCTIONS); the calls every transfer-like call
    # makes are inlined by hand (gas check, bounds check, copy) --

    def storage_read(self, key_ptr: int, key_len: int, out_ptr: int, out_cap: int) -> int:
        if self.spent + self._host_call > self.budget:
            raise self._out_of_gas(self._host_call)
        if not 0 < key_len <= MAX_KEY_BYTES:
            self._check_sizes(key_len)
        key_end = key_ptr + key_len
        if key_end > self.size:
            self._reach(key_end)
        key = KEY_PREFIX + self.memory[key_ptr:key_end].hex()
        value = self.values[key] if key in self.values else self.state.get(key)
        self.values[key] = value
        cost = (self._prices.reads.get(-1 if value is None else len(value))
                or self._prices.read(value))
        spent = self.spent + self._host_call + cost
        if spent > self.budget:
            raise self._out_of_gas(cost)
        self.spent = spent
        self.read_gas += cost
        if value is None:
            return -1
        size = len(value)
        if size > out_cap:
            value = value[:out_cap]
        out_end = out_ptr + len(value)
        if out_end > self.size:
            self._reach(out_end)
        self.memory[out_ptr:out_end] = value
        return size

    def storage_write(self, key_ptr: int, key_len: int, val_ptr: int, val_len: int) -> None:
        if self.read_only:
            self._writable("storage_write")
        if self.spent + self._host_call > self.budget:
            raise self._out_of_gas(self._host_call)
        if not 0 < key_len <= MAX_KEY_BYTES or val_len > MAX_VALUE_BYTES:
            self._check_sizes(key_len, val_len)
        key_end, val_end = key_ptr + key_len, val_ptr + val_len
        if key_end > self.size or val_end > self.size:
            self._reach(max(key_end, val_end))
        memory, values = self.memory, self.values
        key, value = KEY_PREFIX + memory[key_ptr:key_end].hex(), memory[val_ptr:val_end].tobytes()
        old = values[key] if key in values else self.state.get(key)
        cost = (self._prices.writes.get((-1 if old is None else len(old), val_len, old == value))
                or self._prices.write(old, value))
        spent = self.spent + self._host_call + cost
        if spent > self.budget:
            raise self._out_of_gas(cost)
        self.spent = spent
        self.write_gas += cost
        values[key] = self.writes[key] = value

    def storage_remove(self, key_ptr: int, key_len: int) -> None:
        self._writable("storage_remove")
        self._gas(self._host_call)
        key = self._key(key_ptr, key_len)
        old = self.values[key] if key in self.values else self.state.get(key)
        cost = self._prices.write(old, None)
        self._gas(cost)
        self.write_gas += cost
        self.values[key] = self.writes[key] = None

    def emit_event(self, name_ptr: int, name_len: int, data_ptr: int, data_len: int) -> None:
        if self.read_only:
            self._writable("emit_event")
        if not 0 < name_len <= MAX_EVENT_NAME_BYTES:
            raise HostTrap(f"an event name must be 1 to {MAX_EVENT_NAME_BYTES} bytes")
        if data_len > MAX_EVENT_DATA_BYTES:
            raise HostTrap(f"event data must be at most {MAX_EVENT_DATA_BYTES} bytes")
        cost = self._prices.events.get(data_len) or self._prices.event(data_len)
        spent = self.spent + self._host_call + cost
        if spent > self.budget:
            raise self._out_of_gas(self._host_call + cost)
        name_end, data_end = name_ptr + name_len, data_ptr + data_len
        if name_end > self.size or data_end > self.size:
            self._reach(max(name_end, data_end))
        try:
            name = str(self.memory[name_ptr:name_end], "utf-8")
        except UnicodeDecodeError as error:
            raise HostTrap("an event name must be UTF-8") from error
        self.spent = spent
        self.event_gas += cost
        self.events.append(WasmEvent(name, self.memory[data_ptr:data_end].tobytes(),
                                     self.event_schemas.get(name)))

    def caller(self, out_ptr: int) -> None:
        spent = self.spent + self._host_call
        if spent > self.budget:
            raise self._out_of_gas(self._host_call)
        end = out_ptr + ADDRESS_BYTES
        if end > self.size:
            self._reach(end)
        self.spent = spent
        self.memory[out_ptr:end] = self.caller_bytes

    def contract_address(self, out_ptr: int) -> None:
        self._gas(self._host_call)
        self._write(out_ptr, self.contract_bytes)

    def block_number(self) -> int:
        self._gas(self._host_call)
        return self.block

    def timestamp(self) -> int:
        self._gas(self._host_call)
        return self.time

    def input_size(self) -> int:
        self._gas(self._host_call)
        return len(self.input)

    def input_read(self, out_ptr: int, out_cap: int) -> int:
        data = self.input
        size = len(data)
        if size > out_cap:
            data = data[:out_cap]
        cost = self._host_call + self._copy_word * (-(-len(data) // WORD))
        spent = self.spent + cost
        if spent > self.budget:
            raise self._out_of_gas(cost)
        end = out_ptr + len(data)
        if end > self.size:
            self._reach(end)
        self.spent = spent
        self.memory[out_ptr:end] = data
        return size

    def return_data(self, ptr: int, size: int) -> None:
        if size > MAX_RETURN_BYTES:
            raise HostTrap(f"return data must be at most {MAX_RETURN_BYTES} bytes")
        cost = self._host_call + self._copy_word * (-(-size // WORD))
        spent = self.spent + cost
        if spent > self.budget:
            raise self._out_of_gas(cost)
        end = ptr + size
        if end > self.size:
            self._reach(end)
        self.spent = spent
        self.output = self.memory[ptr:end].tobytes()

    def abort(self, msg_ptr: int, msg_len: int) -> None:
        self._gas(self._host_call)
        size = min(msg_len, MAX_ABORT_MESSAGE_BYTES)
        message = self._read(msg_ptr, size).decode("utf-8", "replace")
        raise ContractReverted("Error", ["string"], [message])
