"""Identities: who a DID is on the platform, and its registered keys."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from cms.domain.audit import GENESIS_HASH, AuditEvent, seal
from cms.domain.canonical import canonical_json
from cms.domain.errors import ValidationFailed

MAX_METADATA_BYTES = 8 * 1024


class IdentityType(StrEnum):
    USER = "user"
    MACHINE = "machine"
    ENCLAVE = "enclave"


class IdentityStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    SUSPENDED = "suspended"


class Role(StrEnum):
    """Platform-wide roles. Provider and consumer are per-contract, not listed here."""

    ADMIN = "admin"
    AUDITOR = "auditor"
    ENCLAVE = "enclave"


# Roles that may read every contract (never act on one they are not a party to).
OVERSEERS = frozenset({Role.ADMIN, Role.AUDITOR})


@dataclass(frozen=True)
class Credential:
    credential_id: str
    type: str  # "ed25519_public_key" or "ethereum_address"
    value: str  # hex public key or checksummed address
    verification_method: str
    created_at: str

    def to_json(self) -> dict[str, str]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Identity:
    did: str
    identity_id: str
    name: str
    type: IdentityType
    status: IdentityStatus
    roles: tuple[str, ...]
    metadata: dict[str, Any]
    created_at: str
    updated_at: str
    credentials: tuple[Credential, ...] = field(default=())
    version: int = 0
    head_hash: str = GENESIS_HASH

    def profile(self) -> dict[str, Any]:
        """What an audit event records about the identity (keys are recorded separately)."""
        return {
            "id": self.identity_id,
            "name": self.name,
            "type": self.type.value,
            "status": self.status.value,
            "roles": list(self.roles),
            "metadata": self.metadata,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.identity_id,
            "did": self.did,
            "name": self.name,
            "type": self.type.value,
            "status": self.status.value,
            "roles": list(self.roles),
            "metadata": self.metadata,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "credentials": [c.to_json() for c in self.credentials],
            "version": self.version,
            "head_hash": self.head_hash,
        }


def identity_stream(did: str) -> str:
    return f"identity:{did}"


def record_change(before: Identity | None, after: Identity, *, event_type: str, actor: str,
                  at: str, data: dict[str, Any]) -> tuple[Identity, AuditEvent]:
    """The next link of the identity's audit chain, and the identity pointing at it."""
    seq, prev = (0, GENESIS_HASH) if before is None else (before.version, before.head_hash)
    event = seal(stream=identity_stream(after.did), seq=seq, prev_hash=prev,
                 event_id=str(uuid.uuid4()), event_type=event_type, actor=actor, at=at,
                 data=data)
    return replace(after, version=seq + 1, head_hash=event.hash), event


@dataclass(frozen=True)
class Caller:
    """The authenticated principal of a request, as the authorizer established it."""

    did: str
    roles: frozenset[str] = frozenset()
    # The access token the request came with (its jti and exp), for logging it out.
    token_id: str | None = None
    token_expires: int | None = None

    @property
    def is_overseer(self) -> bool:
        return bool(self.roles & OVERSEERS)

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles


def check_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """Profile metadata is hashed into audit events: it must be I-JSON and small."""
    try:
        size = len(canonical_json(metadata))
    except ValueError as error:  # NaN, infinities, unsafe integers
        raise ValidationFailed("metadata must be I-JSON", [
            {"pointer": "/metadata",
             "message": "numbers must be finite, integers within ±(2^53-1)"}]) from error
    if size > MAX_METADATA_BYTES:
        raise ValidationFailed("metadata is too large", [
            {"pointer": "/metadata", "message": f"at most {MAX_METADATA_BYTES} bytes"}])
    return metadata
