"""Reading the fields of a parent's request (training jobs, circuit evaluations)."""

from __future__ import annotations

import base64
import binascii
from typing import Any


def field(message: dict[str, Any], name: str, kind: type, *,
          error: type[Exception] = ValueError) -> Any:
    """``message[name]``, which must be a ``kind``; ``error`` names what is wrong."""
    value = message.get(name)
    if not isinstance(value, kind):
        raise error(f"{name} is missing or not a {kind.__name__}")
    return value


def b64(value: Any, name: str, *, error: type[Exception] = ValueError) -> bytes:
    """Strict base64 (no stray characters), or ``error``."""
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raise error(f"{name} must be base64") from None
