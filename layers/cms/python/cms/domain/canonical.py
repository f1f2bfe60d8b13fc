"""Canonical JSON (RFC 8785, JCS) and the SHA-256 digests built on it.

Every hash the system publishes (contract digest, audit event hash) is SHA-256 over the JCS
form, so any third party with a JCS implementation can recompute it.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta, timezone
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


# The one timestamp grammar contract content is checked and normalised with, here and in the
# TypeScript verifier (sdk/typescript/src/receipts/timestamp.ts): RFC 3339's profile with an
# upper-case T and Z, an offset written ±HH:MM, at most microseconds, ASCII digits only.
# Explicit, because datetime.fromisoformat's grammar grows with the Python version (basic
# format, week dates, any separator) and a receipt must replay the same everywhere.
_TIMESTAMP_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,6}))?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})", re.ASCII)


def parse_timestamp(value: object) -> datetime:
    """A timestamp of the one grammar above, in UTC, each field in range (no 24:00, no leap
    second, offsets within ±23:59, a UTC result in years 1-9999); ValueError otherwise."""
    match = _TIMESTAMP_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{value!r} is not a timestamp YYYY-MM-DDTHH:MM:SS[.ffffff](Z|±HH:MM)")
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    micro = int((match.group(7) or "0").ljust(6, "0"))
    zone = match.group(8)
    offset = timedelta(0)
    if zone != "Z":
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            raise ValueError(f"{value} has an offset out of range")
        offset = (-1 if zone[0] == "-" else 1) * timedelta(hours=hours, minutes=minutes)
    moment = datetime(year, month, day, hour, minute, second, micro, timezone(offset))
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{value} is out of the range of UTC timestamps") from None
