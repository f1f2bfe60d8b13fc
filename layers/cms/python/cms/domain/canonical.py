"""Canonical JSON (RFC 8785, JCS) and the SHA-256 digests built on it.

Every hash the system publishes (contract digest, audit event hash) is SHA-256 over the JCS
form, so any third party with a JCS implementation can recompute it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import rfc8785


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical UTF-8 bytes of a JSON value."""
    return rfc8785.dumps(value)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest_of(value: Any) -> str:
    """Lower-case hex SHA-256 of the canonical JSON of ``value``."""
    return sha256_hex(canonical_json(value))


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with millisecond precision and a ``Z`` suffix (stable for hashing)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(value: str) -> datetime:
    """Parse an ISO 8601 timestamp that carries a timezone; naive timestamps are ambiguous."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("timestamp needs a timezone (e.g. 'Z' or '+00:00')")
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00:00-05:00 is in the year 10000 in UTC
        raise ValueError(f"{value} is out of the range of UTC timestamps") from None
