"""Identity profiles: a caller reads its own; admins read any and change status or roles.

Ending an identity's sessions (its own request, or an admin's) and suspending it raise its
sessions' generation (cms.domain.sessions) in the same transaction as the audited change, so
every token issued before is refused, and stays refused after a reactivation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

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
from cms.domain.sessions import SessionPolicy
from cms.ports.errors import WriteConflict
from cms.ports.identities import IdentityPage, IdentityQuery, IdentityStore

if TYPE_CHECKING:  # loaded on use: the cryptography libraries stay out of the cold start
    from cms.domain.did import DidDocument, DidResolver

ATTEMPTS = 3


class IdentityService:
    def __init__(self, store: IdentityStore, policy: SessionPolicy,
                 clock: Callable[[], float] = time.time, *,
                 resolver: DidResolver | None = None) -> None:
        self._store = store
        self._policy = policy
        self._clock = clock
        self._resolver = resolver

    def did_document(self, caller: Caller, did: str) -> DidDocument:
        """The registered identity's DID document, resolved as signatures are verified
        against it (the identity itself, auditors and admins)."""
        from cms.domain.did import DidResolver

        self.get(caller, did)
        return (self._resolver or DidResolver()).resolve(did)

    def get(self, caller: Caller, did: str) -> Identity:
        identity = self._store.get(did)
        if identity is None or (did != caller.did and not caller.is_overseer):
            raise IdentityNotFound(f"no identity {did}")
        return identity

    def list(self, caller: Caller, query: IdentityQuery, cursor: str | None,
             limit: int) -> IdentityPage:
        """Admins only: the platform's identities, by status then DID, from ``cursor``
        ("<status>:<did>", any such string a position)."""
        if not caller.is_admin:
            raise Forbidden("only admins may list identities")
        after = None
        if cursor is not None:
            status, _, did = cursor.partition(":")
            after = (status, did)
        return self._store.list(query, after, limit)

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
        # Leaving "active" ends the sessions too: a later reactivation revives no old token.
        leaves = changed.status not in (identity.status, IdentityStatus.ACTIVE)
        return self._record(identity, changed, actor=caller.did, end_sessions=leaves)

    def revoke_sessions(self, caller: Caller, did: str) -> Identity:
        """Every token issued to ``did`` so far stops working (the identity itself, or an
        admin for any); recorded on the identity's chain as ``identity.sessions_revoked``."""
        identity = self.get(caller, did)
        if did != caller.did and not caller.is_admin:
            raise Forbidden("only the identity itself or an admin may end its sessions")
        return self._record(identity, identity, actor=caller.did, end_sessions=True,
                            event_type="identity.sessions_revoked")

    def _record(self, identity: Identity, changed: Identity, *, actor: str,
                end_sessions: bool = False, event_type: str = "identity.updated") -> Identity:
        """Store a profile change with its audit event (and the sessions ended with it, in the
        same transaction); a change to nothing writes nothing."""
        before, after = identity.profile(), changed.profile()
        changes = {key: value for key, value in after.items()
                   if canonical_json(before[key]) != canonical_json(value)}
        if not changes and not end_sessions:
            return identity
        for _ in range(ATTEMPTS):
            now = iso_utc(utc_now())
            sessions = None
            data: dict[str, Any] = {"changes": changes} if changes else {}
            if end_sessions:
                sessions = self._store.sessions(identity.did).with_all_revoked(
                    now=self._clock(), policy=self._policy)
                data["sessions_generation"] = sessions.generation
            recorded, event = record_change(identity, replace(changed, updated_at=now),
                                            event_type=event_type, actor=actor, at=now,
                                            data=data)
            try:
                self._store.update(recorded, event, expected_version=identity.version,
                                   sessions=sessions)
                return recorded
            except WriteConflict as error:
                current = self._store.profile(identity.did)
                if sessions is None or current is None or current.version != identity.version:
                    raise Conflict("the identity changed meanwhile; read it again") from error
                # Only the sessions record moved (a logout meanwhile): end them again.
        raise Conflict("the identity's sessions changed concurrently; retry")

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

