"""Strict CBOR decoding: one item, nothing after it, encoded exactly as cbor2 re-encodes it."""

from __future__ import annotations

import io
from typing import Any

import cbor2

from cms.domain.attestation.failures import invalid

_MAX_DEPTH = 4  # tag > array > map > map/array is the deepest a valid document goes
# cbor2's own errors, plus what its semantic tag decoders may raise on hostile input
# (decimal.Overflow for bigfloats, ZeroDivisionError for rationals, ...).
_CBOR_ERRORS = (cbor2.CBORError, ValueError, TypeError, LookupError, ArithmeticError,
                RecursionError)


def decode_strict(data: bytes, what: str, *, indefinite_map: bool = False) -> Any:
    """One CBOR item, nothing after it, encoded exactly as cbor2 would re-encode it.

    The round trip refuses what cbor2 tolerates: duplicate map keys (the re-encoding is
    shorter), tags that decode to plain values (bignums, self-describe, shared references),
    non-shortest integers and lengths, and chunked strings.
    """
    stream = io.BytesIO(data)
    try:
        value = cbor2.CBORDecoder(stream, max_depth=_MAX_DEPTH).decode()
    except _CBOR_ERRORS as exc:
        raise invalid("malformed_cbor", f"the {what} is not well-formed CBOR") from exc
    if stream.tell() != len(data):
        raise invalid("trailing_bytes", f"the {what} has bytes after its CBOR item")
    if not fits(value, len(data)) or not _reencodes_to(value, data, indefinite_map):
        raise invalid("noncanonical_cbor", f"the {what} has a non-canonical CBOR encoding")
    return value


def fits(value: Any, size: int) -> bool:
    """Whether the decoded value is no bigger than its ``size``-byte encoding: every item takes
    at least a byte, and every string its length too. Only shared or string references (tags
    28/29, 25/256) decode to more, and re-encoding those could blow up: refuse them first."""
    budget, stack = size - 1, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            children = [*item.keys(), *item.values()]
        elif isinstance(item, list | tuple | set | frozenset):
            children = list(item)
        else:
            children = [item.value] if isinstance(item, cbor2.CBORTag) else []
        # Children are paid for when pushed, so the stack never outgrows the budget.
        budget -= len(children) + (len(item) if isinstance(item, str | bytes) else 0)
        if budget < 0:
            return False
        stack.extend(children)
    return True


def _reencodes_to(value: Any, data: bytes, indefinite_map: bool) -> bool:
    try:
        if cbor2.dumps(value) == data:
            return True
        # Newer Nitro hypervisors stream the payload as an indefinite-length map.
        if not (indefinite_map and type(value) is dict and data[:1] == b"\xbf"):
            return False
        items = b"".join(cbor2.dumps(key) + cbor2.dumps(item) for key, item in value.items())
        return data == b"\xbf" + items + b"\xff"
    except _CBOR_ERRORS:
        return False
