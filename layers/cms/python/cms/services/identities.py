"""Identity profiles: a caller reads its own; admins read any and change status or roles."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cms.domain.audit import AuditEvent
from cms.domain.canonical import canonical_json, iso_utc, utc_now
from cms.domain.errors import Conflict, Forbidden, IdentityNotFound
from cms.domain.identity import (
    Caller,
    Identity,
    IdentityStatus,
    IdentityType,
    Role,
    check_metadata,
    record_change,
)
from cms.ports.errors import WriteConflict
from cms.ports.identities import IdentityStore


class IdentityService:
    def __init__(self, store: IdentityStore) -> None:
        self._store = store

    def get(self, caller: Caller, did: str) -> Identity:
        identity = self._store.get(did)
        if identity is None or (did != caller.did and not caller.is_overseer):
            raise IdentityNotFound(f"no identity {did}")
        return identity

    def administer(self, caller: Caller, did: str, *, status: IdentityStatus | None = None,
                   roles: list[Role] | None = None,
                   identity_type: IdentityType | None = None) -> Identity:
        if not caller.is_admin:
            raise Forbidden("only admins may change identities")
        if did == caller.did and (status not in (None, IdentityStatus.ACTIVE)
                                  or (roles is not None and Role.ADMIN not in roles)):
            raise Forbidden("admins cannot suspend themselves or drop their own admin role")
        identity = self.get(caller, did)
        changed = replace(
            identity,
            status=status or identity.status,
            roles=tuple(sorted({r.value for r in roles})) if roles is not None else identity.roles,
            type=identity_type or identity.type,
        )
        return self._record(identity, changed, actor=caller.did)

    def _record(self, identity: Identity, changed: Identity, *, actor: str) -> Identity:
        """Store a profile change with its audit event; a change to nothing writes nothing."""
        before, after = identity.profile(), changed.profile()
        changes = {key: value for key, value in after.items()
                   if canonical_json(before[key]) != canonical_json(value)}
        if not changes:
            return identity
        now = iso_utc(utc_now())
        changed, event = record_change(identity, replace(changed, updated_at=now),
                                       event_type="identity.updated", actor=actor, at=now,
                                       data={"changes": changes})
        try:
            self._store.update(changed, event, expected_version=identity.version)
        except WriteConflict as error:
            raise Conflict("the identity changed meanwhile; read it again") from error
        return changed

    def update_profile(self, caller: Caller, *, name: str | None,
                       metadata: dict[str, Any] | None,
                       identity_type: IdentityType | None) -> Identity:
        """The owner's own name, metadata and type (user or machine)."""
        identity = self.get(caller, caller.did)
        if identity_type not in (None, IdentityType.USER, IdentityType.MACHINE):
            raise Forbidden("only an admin can make an identity an enclave")
        if metadata is not None:
            check_metadata(metadata)
        changed = replace(identity, name=name or identity.name,
                          metadata=identity.metadata if metadata is None else metadata,
                          type=identity_type or identity.type)
        return self._record(identity, changed, actor=caller.did)

    def events(self, caller: Caller, did: str) -> list[AuditEvent]:
        self.get(caller, did)
        return self._store.events(did)

