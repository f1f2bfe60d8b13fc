"""Identities (seed 003): who a DID is on the platform, and its registered keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


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
        }


@dataclass(frozen=True)
class Caller:
    """The authenticated principal of a request, as the authorizer established it."""

    did: str
    roles: frozenset[str] = frozenset()

    @property
    def is_overseer(self) -> bool:
        return bool(self.roles & OVERSEERS)

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles
