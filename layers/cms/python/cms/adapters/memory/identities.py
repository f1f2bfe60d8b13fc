"""Identities in memory (the port: cms.ports.identities)."""

from __future__ import annotations

from dataclasses import replace

from cms.adapters.memory.database import MemoryDatabase
from cms.domain.audit import AuditEvent
from cms.domain.identity import Credential, Identity, identity_stream
from cms.domain.sessions import Sessions
from cms.ports.errors import WriteConflict
from cms.ports.identities import LISTING_STATUSES, IdentityPage, IdentityQuery


class MemoryIdentityStore:
    def __init__(self, database: MemoryDatabase) -> None:
        self._db = database
        self._profiles: dict[str, Identity] = {}
        self._credentials: dict[str, dict[str, Credential]] = {}
        self._sessions: dict[str, Sessions] = {}

    def get(self, did: str) -> Identity | None:
        with self._db.lock:
            identity = self._profiles.get(did)
            if identity is None:
                return None
            return replace(identity, credentials=tuple(self._credentials[did].values()))

    def profile(self, did: str) -> Identity | None:
        with self._db.lock:
            return self._profiles.get(did)

    def events(self, did: str) -> list[AuditEvent]:
        return self._db.read_stream(identity_stream(did))

    def list(self, query: IdentityQuery, after: tuple[str, str] | None,
             limit: int) -> IdentityPage:
        with self._db.lock:
            ordered = sorted(self._profiles.values(), key=_position)
        start = (LISTING_STATUSES.index(after[0]), after[1]) if after else None
        found = [identity for identity in ordered
                 if (start is None or _position(identity) > start) and query.matches(identity)]
        page = found[:limit]
        more = len(found) > limit
        return IdentityPage(page, f"{page[-1].status.value}:{page[-1].did}" if more else None)

    def create(self, identity: Identity, credential: Credential, event: AuditEvent) -> None:
        with self._db.lock:
            if identity.did in self._profiles:
                raise WriteConflict(f"{identity.did} exists")
            self._db.check_free([event])
            self._profiles[identity.did] = replace(identity, credentials=())
            self._credentials[identity.did] = {credential.credential_id: credential}
            self._db.append([event])

    def add_credential(self, identity: Identity, credential: Credential, event: AuditEvent,
                       expected_version: int) -> None:
        with self._db.lock:
            self._check_version(identity.did, expected_version)
            if credential.credential_id in self._credentials[identity.did]:
                raise WriteConflict(f"{credential.credential_id} is registered")
            self._db.check_free([event])
            self._profiles[identity.did] = replace(identity, credentials=())
            self._credentials[identity.did][credential.credential_id] = credential
            self._db.append([event])

    def update(self, identity: Identity, event: AuditEvent, expected_version: int, *,
               sessions: Sessions | None = None) -> None:
        with self._db.lock:
            self._check_version(identity.did, expected_version)
            if sessions is not None:
                self._check_sessions(identity.did, sessions)
            self._db.check_free([event])
            self._profiles[identity.did] = replace(identity, credentials=())
            if sessions is not None:
                self._store_sessions(identity.did, sessions)
            self._db.append([event])

    def standing(self, did: str) -> tuple[Identity | None, Sessions]:
        with self._db.lock:
            return self._profiles.get(did), self._sessions.get(did, Sessions())

    def sessions(self, did: str) -> Sessions:
        with self._db.lock:
            return self._sessions.get(did, Sessions())

    def save_sessions(self, did: str, sessions: Sessions) -> None:
        with self._db.lock:
            self._check_sessions(did, sessions)
            self._store_sessions(did, sessions)

    def _check_sessions(self, did: str, sessions: Sessions) -> None:
        if self._sessions.get(did, Sessions()).version != sessions.version:
            raise WriteConflict(f"the sessions of {did} are not at version {sessions.version}")

    def _store_sessions(self, did: str, sessions: Sessions) -> None:
        self._sessions[did] = replace(sessions, version=sessions.version + 1)

    def _check_version(self, did: str, expected: int) -> None:
        current = self._profiles.get(did)
        if current is None or current.version != expected:
            raise WriteConflict(f"{did} is not at version {expected}")


def _position(identity: Identity) -> tuple[int, str]:
    return LISTING_STATUSES.index(identity.status.value), identity.did
