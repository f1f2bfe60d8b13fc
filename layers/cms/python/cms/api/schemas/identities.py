"""Identities: who a DID is on the platform, its keys, its audit chain."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from cms.api.schemas.audit import AuditEvent
from cms.api.schemas.common import DID_PATTERN, Did, Instant, JsonObject, Sha256Hex
from cms.domain.did.syntax import MAX_DID_LENGTH

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


IDENTITY_CURSOR_PATTERN = (r"^(?:active|inactive|suspended):"
                           + DID_PATTERN.removeprefix("^"))
IdentityCursor = Annotated[str, Field(
    min_length=14, max_length=MAX_DID_LENGTH + 10, pattern=IDENTITY_CURSOR_PATTERN,
    description="<status>:<did>: the listing goes on after that DID in that status (statuses "
                "in the order active, inactive, suspended; DIDs in code point order)",
    examples=["active:did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"])]


class IdentitySummary(BaseModel):
    """An identity as listed (without its keys: GET /api/v1/identities/{did} has them)."""

    did: Did
    name: str
    type: IdentityType
    status: IdentityStatus
    roles: list[AssignableRole]
    created_at: Instant
    updated_at: Instant


class IdentityPage(BaseModel):
    items: list[IdentitySummary]
    next_cursor: IdentityCursor | None = Field(
        description="The next page's cursor; null at the end. A page may hold fewer items "
                    "than asked, even none, and still have one (each page reads a bounded "
                    "number of identities)")


class DidVerificationMethod(BaseModel):
    """A key of the DID document, as W3C DID Core publishes it."""

    id: str
    type: str
    controller: str
    publicKeyMultibase: str | None = None  # noqa: N815 (the DID document's own names)
    publicKeyBase58: str | None = None  # noqa: N815
    publicKeyJwk: JsonObject | None = None  # noqa: N815
    blockchainAccountId: str | None = None  # noqa: N815
    ethereumAddress: str | None = None  # noqa: N815


class DidDocument(BaseModel):
    """The DID's document as the platform resolves it to verify signatures (did:key, did:pkh
    and did:ethr derived from the DID itself, did:web fetched)."""

    context: list[str] = Field(alias="@context")
    id: Did
    verificationMethod: list[DidVerificationMethod]  # noqa: N815
    authentication: list[str]
    assertionMethod: list[str]  # noqa: N815


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
