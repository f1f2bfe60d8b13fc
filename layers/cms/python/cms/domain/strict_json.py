"""Parsing untrusted JSON strictly: bounded nesting, no duplicate members, no NaN/Infinity.

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


def nesting_depth(text: str) -> int:
    """Deepest array/object nesting, found without parsing."""
    brackets = _BRACKET_RE.findall(_STRING_RE.sub("", text))
    return max(accumulate(1 if b in "[{" else -1 for b in brackets), default=0)


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` for untrusted input; ValueError (with the reason) for anything else."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")  # UnicodeDecodeError is a ValueError
    if nesting_depth(text) > max_depth:
        raise ValueError(f"nests deeper than {max_depth} levels")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys,
                          parse_constant=_no_constant)
    except RecursionError:
        raise ValueError(f"nests deeper than {max_depth} levels") from None


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
