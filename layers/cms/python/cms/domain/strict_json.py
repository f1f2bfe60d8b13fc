"""Parsing untrusted JSON strictly: bounded nesting, no duplicate members, no NaN/Infinity,
and, where asked, I-JSON numbers (RFC 7493: integers within ±(2**53 - 1), finite floats).

The nesting bound matters beyond tidiness: py_ecc (imported by eth_account) raises the
interpreter's recursion limit to 100,000, so once it is loaded a deeply nested document no
longer raises RecursionError in ``json.loads`` but overflows the C stack and kills the process.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_BRACKET_RE = re.compile(r"[\[\]{}]")
MAX_DEPTH = 64
MAX_SAFE_INTEGER = 2**53 - 1


def nesting_depth(text: str) -> int:
    """Deepest array/object nesting, found without parsing."""
    brackets = _BRACKET_RE.findall(_STRING_RE.sub("", text))
    return max(accumulate(1 if b in "[{" else -1 for b in brackets), default=0)


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH, i_json: bool = False) -> Any:
    """``json.loads`` for untrusted input; ValueError (with the reason) for anything else.

    ``i_json`` refuses numbers other parsers would read differently: any number (integer or
    not) beyond ±(2**53 - 1), which JavaScript rounds or which no double holds exactly;
    big values travel as decimal strings; an integral number written as a fraction
    (``3.0``, ``1e3``) is read as the integer it is.
    Either way a number literal of thousands of digits is refused before Python converts it
    (the conversion is quadratic, and past 4,300 digits Python refuses it)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")  # UnicodeDecodeError is a ValueError
    if nesting_depth(text) > max_depth:
        raise ValueError(f"nests deeper than {max_depth} levels")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys,
                          parse_constant=_no_constant,
                          parse_int=_safe_int if i_json else _bounded_int,
                          parse_float=_safe_float if i_json else _finite_float)
    except RecursionError:
        raise ValueError(f"nests deeper than {max_depth} levels") from None


MAX_NUMBER_DIGITS = 400  # far beyond any uint256 (78 digits), far below Python's limit


def _bounded_int(literal: str) -> int:
    if len(literal) > MAX_NUMBER_DIGITS:
        raise ValueError(f"a number of {len(literal)} digits is too long")
    return int(literal)


def _safe_int(literal: str) -> int:
    value = _bounded_int(literal)
    if abs(value) > MAX_SAFE_INTEGER:
        raise ValueError(f"{literal[:24]}{'…' if len(literal) > 24 else ''} is beyond "
                         f"±(2**53 - 1), which JSON numbers keep exactly; send it as a "
                         f"decimal string")
    return value


def _safe_float(literal: str) -> float | int:
    """I-JSON has one number type: ``3.0`` is the integer 3 (JSON Schema agrees), so an
    integer field takes it as a JavaScript or JSON Schema client would mean it."""
    value = _finite_float(literal)
    if abs(value) > MAX_SAFE_INTEGER:
        raise ValueError(f"{literal[:24]} is beyond ±(2**53 - 1); send it as a decimal string")
    return int(value) if value.is_integer() else value


def _finite_float(literal: str) -> float:
    if len(literal) > MAX_NUMBER_DIGITS:
        raise ValueError(f"a number of {len(literal)} characters is too long")
    value = float(literal)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{literal[:24]} overflows a double")
    return value


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Duplicate members make a document mean different things to different parsers."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate member '{key}'")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
