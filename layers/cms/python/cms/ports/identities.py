"""Identities and their credentials, each change written with its audit event."""

from __future__ import annotations

from typing import Protocol

from cms.domain.audit import AuditEvent
from cms.domain.identity import Credential, Identity
from cms.domain.sessions import Sessions


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
