"""Hash-chained audit events, as every stream (contracts, identities) records them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from cms.api.schemas.common import Instant, JsonObject, Sha256Hex


class AuditEvent(BaseModel):
    """One link of a stream's hash chain: ``hash`` is SHA-256 of the RFC 8785 form of
    ``{"v": 1, stream, seq, event_id, type, actor, at, data, prev_hash}``."""

    v: int = Field(description="The event format's version")
    stream: str = Field(description="contract:<id> or identity:<did>")
    seq: int = Field(ge=0)
    event_id: str
    type: str = Field(description="e.g. contract.signed, identity.updated")
    actor: str = Field(description="The DID that acted, anonymous, or system:…")
    at: Instant
    data: JsonObject
    prev_hash: Sha256Hex
    hash: Sha256Hex
