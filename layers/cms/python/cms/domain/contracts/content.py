"""What the parties agree on: the content, its validation, and the digest they sign."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from cms.domain.canonical import canonical_json, digest_of, iso_utc, parse_timestamp
from cms.domain.errors import DomainError, ValidationFailed

CONTENT_SCHEMA = "cms.contract/v1"
# Terms stay small enough that a snapshot and its event fit DynamoDB's 400 KB items and a
# page of 100 contracts fits a Lambda response; documents belong in S3.
MAX_CONTENT_BYTES = 32 * 1024
IJSON = "numbers must be finite, and integers within ±(2^53-1) (I-JSON, RFC 7493)"
# What "blank" strips: exactly the characters Python 3.11's str.isspace() takes, listed so the
# TypeScript verifier (receipts/contract.ts) strips the same whatever its Unicode tables.
WHITESPACE = ("\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
              "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


@dataclass(frozen=True)
class Content:
    """What the parties agree on. Its canonical hash is the contract digest."""

    title: str
    description: str
    provider_did: str
    consumer_did: str
    terms: dict[str, Any] | str
    metadata: dict[str, Any]
    valid_from: str
    valid_until: str

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "description": self.description,
            "provider_did": self.provider_did,
            "consumer_did": self.consumer_did,
            "terms": self.terms,
            "metadata": self.metadata,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Content:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})

    def validated(self) -> Content:
        """Semantic checks beyond types; returns the content with normalised timestamps."""
        errors: list[dict[str, str]] = []
        if not self.title.strip(WHITESPACE):
            errors.append({"pointer": "/title", "message": "must not be blank"})
        if isinstance(self.terms, str) and not self.terms.strip(WHITESPACE):
            errors.append({"pointer": "/terms", "message": "must not be blank"})
        errors.extend(_party_errors(self.provider_did, self.consumer_did))
        errors.extend(_json_errors({"terms": self.terms, "metadata": self.metadata}))
        window = _window(self.valid_from, self.valid_until, errors)
        if not errors and len(canonical_json(self.to_json())) > MAX_CONTENT_BYTES:
            errors.append({"pointer": "", "message": f"the contract content exceeds "
                                                     f"{MAX_CONTENT_BYTES} bytes"})
        if errors or window is None:
            raise ValidationFailed("The contract is not valid", errors)
        start, end = window
        return replace(self, valid_from=iso_utc(start), valid_until=iso_utc(end))


def _party_errors(provider: str, consumer: str) -> list[dict[str, str]]:
    from cms.domain.did import controller_of  # DID checks load key libraries: only when used

    try:
        consumer_key = controller_of(consumer)
    except DomainError as error:
        return [{"pointer": "/consumer_did", "message": error.detail}]
    if consumer_key == controller_of(provider):
        return [{"pointer": "/consumer_did",
                 "message": "the consumer must be another party than the provider"}]
    return []


def _json_errors(values: dict[str, Any]) -> list[dict[str, str]]:
    errors = []
    for name, value in values.items():
        try:
            canonical_json(value)
        except ValueError:  # rfc8785's domain errors: NaN, infinities, unsafe integers
            errors.append({"pointer": f"/{name}", "message": IJSON})
    return errors


def _window(valid_from: str, valid_until: str,
            errors: list[dict[str, str]]) -> tuple[datetime, datetime] | None:
    moments = []
    for name, value in (("valid_from", valid_from), ("valid_until", valid_until)):
        try:
            moment = parse_timestamp(value)
        except ValueError:
            errors.append({"pointer": f"/{name}", "message": "must be an ISO 8601 timestamp "
                                                             "YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)"})
            continue
        # Compared as stored (milliseconds), so a window cannot vanish in normalisation.
        moments.append(moment.replace(microsecond=moment.microsecond // 1000 * 1000))
    if len(moments) < 2:
        return None
    if moments[1] <= moments[0]:
        errors.append({"pointer": "/valid_until", "message": "must be after valid_from"})
    return moments[0], moments[1]


def content_digest(contract_id: str, content: Content) -> str:
    """SHA-256 over RFC 8785 JSON of the content, bound to the contract id."""
    return digest_of({"schema": CONTENT_SCHEMA, "id": contract_id, **content.to_json()})
