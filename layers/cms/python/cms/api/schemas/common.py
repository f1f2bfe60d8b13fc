"""Types the wire formats share: I-JSON values, identifiers, timestamps, pages."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, Field
from typing_extensions import TypeAliasType

from cms.domain.did.syntax import MAX_DID_LENGTH, SUPPORTED_DID_PATTERN
from cms.domain.signature_text import SIGNATURE_DESCRIPTION, SIGNATURE_PATTERN
from cms.domain.strict_json import MAX_SAFE_INTEGER

# Integers every JSON parser keeps exactly (I-JSON, RFC 7493); bigger ones travel as decimal
# strings.
SafeInt = Annotated[int, Field(ge=-MAX_SAFE_INTEGER, le=MAX_SAFE_INTEGER)]
SafeNumber = Annotated[float, Field(ge=-MAX_SAFE_INTEGER, le=MAX_SAFE_INTEGER,
                                    allow_inf_nan=False)]
# Free-form JSON where the product means it (contract terms, metadata, template variables,
# engine arguments), and only I-JSON: numbers within ±(2**53 - 1). Declared one level deep:
# every request body is parsed as I-JSON with bounded nesting before any route sees it
# (cms.api.requests), so deeper levels need no schema of their own, and a recursive schema
# defeats client generators (openapi-python-client cannot parse one; openapi-typescript's
# output does not compile).
JsonValue = TypeAliasType(
    "JsonValue",
    Annotated[Annotated[str, Field(max_length=262_144)] | bool | SafeInt | SafeNumber
              | list[Any] | dict[str, Any] | None,
              Field(description="Any I-JSON value: at every depth, numbers within "
                                "±(2^53 - 1) (bigger ones as decimal strings); the whole "
                                "body nests at most 32 levels")])
JsonObject = dict[str, JsonValue]

DID_PATTERN = SUPPORTED_DID_PATTERN
Did = Annotated[str, Field(min_length=7, max_length=MAX_DID_LENGTH, pattern=DID_PATTERN,
                           description="A DID of a supported method (key, pkh, ethr, web), "
                                       "e.g. did:key:z6Mk…")]
Sha256Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256, hex")]
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
Uuid = Annotated[str, Field(pattern=UUID_PATTERN, description="A UUID (lower case)")]
# Timestamps as the platform writes them: UTC, milliseconds, "Z".
Instant = Annotated[str, Field(description="ISO 8601 UTC timestamp, e.g. "
                                           "2026-12-07T06:00:00.000Z",
                               json_schema_extra={"format": "date-time"})]


def _text_only(value: Any) -> Any:
    # pydantic would read a number as Unix time; a contract date must be written out.
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 timestamp string with a timezone")
    return value


# Request models are strict (a JSON true is not an integer, "1" is not a number); a timestamp
# is the one value parsed from text.
Timestamp = Annotated[AwareDatetime, Field(strict=False), BeforeValidator(_text_only)]

SignatureText = Annotated[str, Field(min_length=86, max_length=132, pattern=SIGNATURE_PATTERN,
                                     description=SIGNATURE_DESCRIPTION)]
