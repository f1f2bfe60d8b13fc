"""Identities: who a DID is on the platform, its keys, its audit chain."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cms.api.schemas.audit import AuditEvent
from cms.api.schemas.common import Did, Instant, JsonObject, Sha256Hex

IdentityType = Literal["user", "machine", "enclave"]
IdentityStatus = Literal["active", "inactive", "suspended"]
AssignableRole = Literal["admin", "auditor", "enclave"]


class Credential(BaseModel):
    """A key registered for the identity: an Ed25519 public key or an Ethereum address."""

    credential_id: str
    type: Literal["ed25519_public_key", "ethereum_address"]
    value: str = Field(description="The public key (hex) or the checksummed address")
    verification_method: str = Field(description="The DID URL of the key")
    created_at: Instant


class Identity(BaseModel):
    id: str
    did: Did
    name: str
    type: IdentityType
    status: IdentityStatus
    roles: list[AssignableRole]
    metadata: JsonObject
    created_at: Instant
    updated_at: Instant
    credentials: list[Credential]
    version: int = Field(ge=0, description="Events on the identity's chain so far")
    head_hash: Sha256Hex = Field(description="The hash of the chain's last event")


class IdentityEvents(BaseModel):
    did: Did
    events: list[AuditEvent]


class ProfileChange(BaseModel):
    """The caller's own name, metadata or type; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"name": "Acme Data Ltd", "metadata": {"website": "https://acme.example"}}]})
    name: str | None = Field(default=None, min_length=1, max_length=255)
    metadata: JsonObject | None = Field(default=None,
                                        description="At most 8 KiB as canonical JSON")
    type: Literal["user", "machine"] | None = None


class IdentityChange(BaseModel):
    """An admin's change of another identity; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"status": "suspended"}, {"roles": ["auditor"]}]})
    status: IdentityStatus | None = None
    roles: list[AssignableRole] | None = Field(default=None, max_length=3)
    type: IdentityType | None = None
