"""Request field types shared by the handlers (pydantic, reflected in the OpenAPI document)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, Field


def _text_only(value: Any) -> Any:
    # pydantic would read a number as Unix time; a contract date must be written out.
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 timestamp string with a timezone")
    return value


Did = Annotated[str, Field(min_length=7, max_length=2048, description="A DID, e.g. did:key:z6Mk…")]
Timestamp = Annotated[AwareDatetime, BeforeValidator(_text_only)]
