"""Identities and their credentials, each change written with its audit event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cms.domain.audit import AuditEvent
from cms.domain.identity import Credential, Identity
from cms.domain.sessions import Sessions

# Identities are listed by status, in this order, then by DID within a status: the order of
# the store's by-status index, so that a cursor "<status>:<did>" is a position in it.
LISTING_STATUSES = ("active", "inactive", "suspended")
# Items a listing evaluates per page at most (before its filters): a page may hold fewer
# identities than asked, even none, and still carry a cursor (the position reached).
LISTING_READ_BUDGET = 200


@dataclass(frozen=True)
class IdentityQuery:
    """What an admin looks for: a status, a role, and ``text``: a DID prefix (when it starts
    with "did:") or a part of the name or DID (case-sensitive, as DynamoDB's contains)."""

    status: str | None = None
    role: str | None = None
    text: str | None = None

    @property
    def did_prefix(self) -> str | None:
        return self.text if self.text is not None and self.text.startswith("did:") else None

    def matches(self, identity: Identity) -> bool:
        """The in-memory twin of the DynamoDB adapter's key condition and filter."""
        if self.status is not None and identity.status.value != self.status:
            return False
        if self.role is not None and self.role not in identity.roles:
            return False
        if self.did_prefix is not None:
            return identity.did.startswith(self.did_prefix)
        return self.text is None or self.text in identity.name or self.text in identity.did


@dataclass(frozen=True)
class IdentityPage:
    """Profiles (without credentials) and the next page's cursor ("<status>:<did>"), None at
    the end."""

    items: list[Identity]
    next_cursor: str | None


class IdentityStore(Protocol):
    """Every write is atomic with its audit event (stream ``identity:<did>``) and raises
    ``WriteConflict`` when the identity is not at ``expected_version`` (or already exists),
    or the event's sequence number is taken.

    Beside each identity the store keeps its sessions record (cms.domain.sessions), written
    on the condition that it is still at the version it was read at (``Sessions.version``;
    WriteConflict otherwise) and stored with its ``expires_at`` as a TTL."""

    def get(self, did: str) -> Identity | None:
        """The identity with its credentials, or None."""

    def profile(self, did: str) -> Identity | None:
        """The identity without its credentials (the authorizer's hot path)."""

    def events(self, did: str) -> list[AuditEvent]:
        """The identity's audit events, in order."""

    def create(self, identity: Identity, credential: Credential, event: AuditEvent) -> None:
        """A new identity with its first credential."""

    def add_credential(self, identity: Identity, credential: Credential, event: AuditEvent,
                       expected_version: int) -> None:
        """Another credential (a new one: WriteConflict if it is registered)."""

    def update(self, identity: Identity, event: AuditEvent, expected_version: int, *,
               sessions: Sessions | None = None) -> None:
        """A changed profile (and, in the same transaction, its changed sessions)."""

    def standing(self, did: str) -> tuple[Identity | None, Sessions]:
        """The profile (without credentials) and the sessions, in one consistent read: the
        authorizer's hot path."""

    def sessions(self, did: str) -> Sessions:
        """The identity's sessions record (an empty one if none is stored)."""

    def save_sessions(self, did: str, sessions: Sessions) -> None:
        """Store a changed sessions record (the profile and its audit chain unchanged)."""

    def list(self, query: IdentityQuery, after: tuple[str, str] | None,
             limit: int) -> IdentityPage:
        """Profiles matching ``query`` after the position ``after`` = (status, did), in
        LISTING_STATUSES order then by DID, evaluating at most LISTING_READ_BUDGET items."""
