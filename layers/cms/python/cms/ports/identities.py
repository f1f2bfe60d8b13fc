"""Identities and their credentials, each change written with its audit event."""

from __future__ import annotations

from typing import Protocol

from cms.domain.audit import AuditEvent
from cms.domain.identity import Credential, Identity


class IdentityStore(Protocol):
    """Every write is atomic with its audit event (stream ``identity:<did>``) and raises
    ``WriteConflict`` when the identity is not at ``expected_version`` (or already exists),
    or the event's sequence number is taken."""

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

    def update(self, identity: Identity, event: AuditEvent, expected_version: int) -> None:
        """A changed profile."""
