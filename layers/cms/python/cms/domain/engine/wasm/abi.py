"""Arguments, results and event data of WebAssembly contracts: types and their binary encoding.

A contract function takes its arguments as one input buffer (``input_read``) and answers
with one return buffer (``return_data``). A manifest names the values in them;
values are laid out one after another, in parameter order, with no padding:

==========================  =======================================  ==========================
type                        bytes                                    JSON
==========================  =======================================  ==========================
u8, u32, u64, u128, u256    1, 4, 8, 16, 32, little-endian unsigned  number (u8, u32) or
i32, i64                    4, 8, little-endian two's complement     decimal string (wider:
                                                                     JavaScript loses
                                                                     precision past 2**53);
                                                                     input takes either
bool                        1 byte: 0 or 1                           true / false
address                     20 bytes                                 0x-hex, EIP-55 on output
bytes                       u32 length, then the bytes               0x-hex
string                      u32 length, then UTF-8                   string
T[] (T any of the above)    u32 count, then the items                list (at most 4096)
==========================  =======================================  ==========================

A function without a manifest is "raw": its input is the ``input`` argument (0x-hex) and its
result the return data as 0x-hex. Decoding is strict: a value of the wrong length, a bool
other than 0/1, invalid UTF-8 or trailing bytes are errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from cms.domain.engine.erc20 import parse_address
from cms.domain.engine.errors import ContractReverted, EngineValidationError

_DECIMAL = re.compile(r"-?[0-9]{1,80}")
MAX_ARRAY_LENGTH = 4096
_HEX = re.compile(r"0x(?:[0-9a-fA-F]{2})*")
_LENGTH_BYTES = 4


class AbiDecodeError(ValueError):
    """Bytes that do not hold the declared values."""


class Codec(Protocol):
    def encode(self, value: object, field: str) -> bytes: ...

    def decode(self, data: bytes, offset: int) -> tuple[Any, int]: ...


def _take(data: bytes, offset: int, size: int) -> bytes:
    end = offset + size
    if end > len(data):
        raise AbiDecodeError(f"needs {size} bytes at offset {offset}, has {len(data) - offset}")
    return data[offset:end]


class _Int:
    def __init__(self, name: str, size: int, signed: bool) -> None:
        self.name, self.size, self.signed = name, size, signed
        bits = size * 8
        self.low = -(2 ** (bits - 1)) if signed else 0
        self.high = 2 ** (bits - 1) - 1 if signed else 2**bits - 1
        self.as_number = size <= 4  # wider values are decimal strings in JSON

    def encode(self, value: object, field: str) -> bytes:
        if type(value) is int and self.low <= value <= self.high:  # the common case, first
            return value.to_bytes(self.size, "little", signed=self.signed)
        if isinstance(value, str) and _DECIMAL.fullmatch(value):
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise EngineValidationError(
                f"{field} must be a {self.name}: an integer or a decimal string", field)
        if not self.low <= value <= self.high:
            raise EngineValidationError(
                f"{field} must be a {self.name}, between {self.low} and {self.high}", field)
        return value.to_bytes(self.size, "little", signed=self.signed)

    def decode(self, data: bytes, offset: int) -> tuple[Any, int]:
        value = int.from_bytes(_take(data, offset, self.size), "little", signed=self.signed)
        return (value if self.as_number else str(value)), offset + self.size


class _Bool:
    def encode(self, value: object, field: str) -> bytes:
        if not isinstance(value, bool):
            raise EngineValidationError(f"{field} must be true or false", field)
        return b"\x01" if value else b"\x00"

    def decode(self, data: bytes, offset: int) -> tuple[Any, int]:
        byte = _take(data, offset, 1)[0]
        if byte > 1:
            raise AbiDecodeError(f"a bool must be 0 or 1, not {byte}")
        return byte == 1, offset + 1


@lru_cache(maxsize=65_536)
def _address_bytes(value: str, field: str) -> bytes:
    return bytes.fromhex(parse_address(value, field)[2:])


class _Address:
    def encode(self, value: object, field: str) -> bytes:
        if isinstance(value, str):
            return _address_bytes(value, field)  # the few active accounts are cached
        raise EngineValidationError(f"{field} must be a 0x-prefixed 20-byte hex address", field)

    def decode(self, data: bytes, offset: int) -> tuple[Any, int]:
        raw = _take(data, offset, 20)
        return parse_address("0x" + raw.hex(), "address"), offset + 20


class _Bytes:
    def encode(self, value: object, field: str) -> bytes:
        return _length_prefixed(parse_hex(value, field))

    def decode(self, data: bytes, offset: int) -> tuple[Any, int]:
        raw, offset = _read_length_prefixed(data, offset)
        return "0x" + raw.hex(), offset


class _String:
    def encode(self, value: object, field: str) -> bytes:
        if not isinstance(value, str):
            raise EngineValidationError(f"{field} must be a string", field)
        try:
            return _length_prefixed(value.encode())
        except UnicodeEncodeError as error:  # lone surrogates
            raise EngineValidationError(f"{field} is not valid Unicode", field) from error

    def decode(self, data: bytes, offset: int) -> tuple[Any, int]:
        raw, offset = _read_length_prefixed(data, offset)
        try:
            return raw.decode(), offset
        except UnicodeDecodeError as error:
            raise AbiDecodeError("a string is not valid UTF-8") from error


def _length_prefixed(raw: bytes, count: int | None = None) -> bytes:
    """``raw`` after a u32 count: its length, unless ``count`` (of array items) is given."""
    return (len(raw) if count is None else count).to_bytes(_LENGTH_BYTES, "little") + raw


def _read_length_prefixed(data: bytes, offset: int) -> tuple[bytes, int]:
    size = int.from_bytes(_take(data, offset, _LENGTH_BYTES), "little")
    offset += _LENGTH_BYTES
    return _take(data, offset, size), offset + size


def parse_hex(value: object, field: str) -> bytes:
    """0x-prefixed hex with an even number of digits."""
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        raise EngineValidationError(f"{field} must be 0x-prefixed hex bytes", field)
    return bytes.fromhex(value[2:])


class _Array:
    """``T[]``: a u32 count, then the elements; a JSON list."""

    def __init__(self, element: Codec) -> None:
        self.element = element

    def encode(self, value: object, field: str) -> bytes:
        if not isinstance(value, list) or len(value) > MAX_ARRAY_LENGTH:
            raise EngineValidationError(f"{field} must be a list of at most {MAX_ARRAY_LENGTH} "
                                        "items", field)
        encode = self.element.encode
        return _length_prefixed(b"".join([encode(item, f"{field}/{index}")
                                          for index, item in enumerate(value)]), len(value))

    def decode(self, data: bytes, offset: int) -> tuple[Any, int]:
        count = int.from_bytes(_take(data, offset, _LENGTH_BYTES), "little")
        offset += _LENGTH_BYTES
        if count > len(data) - offset:  # every element takes at least one byte
            raise AbiDecodeError(f"an array of {count} items in {len(data) - offset} bytes")
        items = []
        for _ in range(count):
            item, offset = self.element.decode(data, offset)
            items.append(item)
        return items, offset


_SCALARS: dict[str, Codec] = {
    **{name: _Int(name, size, signed) for name, size, signed in (
        ("u8", 1, False), ("u32", 4, False), ("u64", 8, False), ("u128", 16, False),
        ("u256", 32, False), ("i32", 4, True), ("i64", 8, True))},
    "bool": _Bool(), "address": _Address(), "bytes": _Bytes(), "string": _String(),
}
CODECS: dict[str, Codec] = {**_SCALARS,
                            **{f"{name}[]": _Array(codec) for name, codec in _SCALARS.items()}}
TYPES = frozenset(CODECS)
TYPE_NAMES = ", ".join(sorted(_SCALARS)) + ", and T[] for a list of any of them"
_FIXED_SIZES = {**{name: codec.size for name, codec in CODECS.items() if isinstance(codec, _Int)},
                "bool": 1, "address": 20}


@dataclass(frozen=True)
class Param:
    """One named, typed value of a function's input or of an event's data."""

    name: str
    type: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "type": self.type}


def decode_values(params: tuple[Param, ...], data: bytes) -> dict[str, Any]:
    """``data`` as named JSON-ready values; raises ``AbiDecodeError`` unless it fits exactly."""
    values, offset = {}, 0
    for param in params:
        values[param.name], offset = CODECS[param.type].decode(data, offset)
    if offset != len(data):
        raise AbiDecodeError(f"{len(data) - offset} bytes left over after the values")
    return values


def invalid_return(function: str, detail: str) -> ContractReverted:
    """The contract ran but answered something its manifest does not declare."""
    return ContractReverted("InvalidReturnData", ["string"], [f"{function}: {detail}"])


@dataclass(frozen=True)
class WasmFunction:
    """A callable export: its manifest signature, or raw bytes in and out (``raw``)."""

    name: str
    params: tuple[Param, ...] = ()
    returns: str | None = None
    read_only: bool = False
    raw: bool = False
    # Precomputed for the per-call paths: (name, encoder, error field) per parameter, and
    # the return data's size when it is fixed (0 for no result).
    _encoders: tuple[tuple[str, Any, str], ...] = field(init=False, repr=False, compare=False,
                                                         default=())
    _size: int = field(init=False, repr=False, compare=False, default=-1)

    def __post_init__(self) -> None:
        encoders = tuple((p.name, CODECS[p.type].encode, f"args/{p.name}") for p in self.params)
        size = -1 if self.raw else 0 if self.returns is None else _FIXED_SIZES.get(self.returns,
                                                                                   -1)
        object.__setattr__(self, "_encoders", encoders)
        object.__setattr__(self, "_size", size)

    def encode_args(self, args: Mapping[str, Any] | None) -> bytes:
        """The input buffer for named JSON arguments; ``EngineValidationError`` names the
        offending argument (``args/<name>``): an unknown one first, then a missing one, then
        the first of the wrong type."""
        if args is None:
            args = {}
        if not isinstance(args, Mapping):
            raise EngineValidationError("args must be an object of named arguments", "args")
        if self.raw:
            self._check_names(args, ("input",))
            return parse_hex(args.get("input", "0x"), "args/input")
        if len(args) != len(self._encoders):
            self._check_names(args, tuple(p.name for p in self.params))
        try:
            return b"".join([encode(args[name], where) for name, encode, where in self._encoders])
        except KeyError:  # as many arguments as parameters, but not the same names
            self._check_names(args, tuple(p.name for p in self.params))
            raise

    def _check_names(self, args: Mapping[str, Any], expected: tuple[str, ...]) -> None:
        for name in args:
            if name not in expected:
                raise EngineValidationError(
                    f"{self.name} takes no argument {name!r} (takes {list(expected)})",
                    f"args/{name}")
        for name in expected:
            if name not in args and not self.raw:
                raise EngineValidationError(f"{self.name} needs argument {name!r}",
                                            f"args/{name}")

    def decode_result(self, data: bytes) -> Any:
        """The return data as a JSON-ready value (None for a function returning nothing);
        data that does not match the declared type is ``ContractReverted("InvalidReturnData")``.
        """
        if self.raw:
            return "0x" + data.hex()
        if self.returns is None:
            if data:
                raise invalid_return(self.name, "returns nothing but set return data")
            return None
        try:
            value, end = CODECS[self.returns].decode(data, 0)
            if end != len(data):
                raise AbiDecodeError(f"{len(data) - end} bytes left over after the value")
            return value
        except AbiDecodeError as error:
            raise invalid_return(self.name, f"not a {self.returns}: {error}") from error

    def check_result(self, data: bytes) -> None:
        """``decode_result``'s checks, fast for fixed-size results (the runtime checks every
        call's return data; the engine decodes it later)."""
        if self.raw or (len(data) == self._size and (self.returns != "bool" or data[0] < 2)):
            return
        self.decode_result(data)

    def to_json(self) -> dict[str, Any]:
        if self.raw:
            return {"raw": True, "read_only": False,
                    "params": [{"name": "input", "type": "bytes"}], "returns": "bytes"}
        return {"params": [p.to_json() for p in self.params], "returns": self.returns,
                "read_only": self.read_only}


@dataclass(slots=True)
class WasmEvent:
    """An event a contract emitted: its name and data; ``args`` decodes the data when the
    manifest declares the event. (Not frozen: a frozen dataclass is several times slower to
    create, and one is created per event.)"""

    name: str
    data: bytes
    schema: tuple[Param, ...] | None = field(default=None, repr=False, compare=False)

    @property
    def args(self) -> dict[str, Any] | None:
        if self.schema is None:
            return None
        try:
            return decode_values(self.schema, self.data)
        except AbiDecodeError:
            return None  # the raw data is still reported

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, shaped like the built-in ERC20's events."""
        event: dict[str, Any] = {"event": self.name, "data": "0x" + self.data.hex()}
        args = self.args
        if args is not None:
            event["args"] = args
        return event
