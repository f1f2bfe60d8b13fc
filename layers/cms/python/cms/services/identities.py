"""Identity profiles: a caller reads its own; admins read any and change status or roles."""

from __future__ import annotations

from dataclasses import replace

from cms.adapters.dynamo import WriteConflict
from cms.adapters.identity_store import IdentityStore
from cms.domain.audit import AuditEvent
from cms.domain.canonical import iso_utc, utc_now
from cms.domain.errors import Conflict, Forbidden, IdentityNotFound
from cms.domain.identity import (
    Caller,
    Identity,
    IdentityStatus,
    IdentityType,
    Role,
    record_change,
)


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
        now = iso_utc(utc_now())
        changed = replace(
            identity,
            status=status or identity.status,
            roles=tuple(sorted({r.value for r in roles})) if roles is not None else identity.roles,
            type=identity_type or identity.type,
            updated_at=now,
        )
        changes = {key: value for key, value in changed.profile().items()
                   if identity.profile()[key] != value}
        if not changes:
            return identity
        changed, event = record_change(identity, changed, event_type="identity.updated",
                                       actor=caller.did, at=now, data={"changes": changes})
        try:
            self._store.update(changed, event, expected_version=identity.version)
        except WriteConflict as error:
            raise Conflict("the identity changed meanwhile; read it again") from error
        return changed

    def events(self, caller: Caller, did: str) -> list[AuditEvent]:
        self.get(caller, did)
        return self._store.events(did)
