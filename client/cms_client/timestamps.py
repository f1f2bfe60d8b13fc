"""The API's timestamps in the typed SDK: the exact strings the API sent, so that printing a
model gives back what digests and event hashes cover (``2027-01-01T00:00:00.000Z``; a
datetime would come back as ``2027-01-01T00:00:00Z``). A caller may still pass a datetime
with a time zone; it is written in ISO 8601 UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator


def as_api_text(value: Any) -> Any:
    if not isinstance(value, datetime):
        return value  # a string is the API's (or the caller's) own text: kept as it is
    if value.tzinfo is None:
        raise ValueError("a timestamp needs a time zone (e.g. datetime.now(UTC))")
    spec = "milliseconds" if value.microsecond % 1000 == 0 else "microseconds"
    return value.astimezone(UTC).isoformat(timespec=spec).replace("+00:00", "Z")


Timestamp = Annotated[str, BeforeValidator(as_api_text)]
