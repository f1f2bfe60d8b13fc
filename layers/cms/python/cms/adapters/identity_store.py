"""Identities and their credentials in DynamoDB (one partition per DID).

Every change is one transaction with its audit event (stream ``identity:<did>``): the profile is
conditioned on the version it was read at, so lost races surface as WriteConflict.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from functools import reduce
from types import MappingProxyType
from typing import Any

from pynamodb.transactions import TransactWrite

from cms.adapters import audit_log
from cms.adapters.dynamo import get_or_none, transaction, unavailable_on_connection_errors
from cms.adapters.tables import CredentialRecord, IdentityRecord, SessionsRecord
from cms.domain.audit import AuditEvent
from cms.domain.identity import (
    Credential,
    Identity,
    IdentityStatus,
    IdentityType,
    identity_stream,
)
from cms.domain.sessions import Sessions
from cms.ports.identities import (
    LISTING_READ_BUDGET,
    LISTING_STATUSES,
    IdentityPage,
    IdentityQuery,
)

PROFILE = "IDENTITY"
SESSIONS = PROFILE + "#SESSIONS"  # sorts right after the profile: one query reads both
CREDENTIAL_PREFIX = "CRED#"


class DynamoIdentityStore:
    def get(self, did: str) -> Identity | None:
        """The identity with its credentials, or None."""
        identity = self.profile(did)
        if identity is None:
            return None
        credentials = unavailable_on_connection_errors(lambda: [
            _to_credential(record) for record in CredentialRecord.query(
                did, CredentialRecord.sk.startswith(CREDENTIAL_PREFIX), consistent_read=True)])
        return replace(identity, credentials=tuple(credentials))

    def profile(self, did: str) -> Identity | None:
        """The identity without its credentials (one read: the authorizer's hot path)."""
        record = get_or_none(IdentityRecord, did, PROFILE)
        return None if record is None else _to_identity(record, ())

    def events(self, did: str) -> list[AuditEvent]:
        return audit_log.read_stream(identity_stream(did))

    def list(self, query: IdentityQuery, after: tuple[str, str] | None,
             limit: int) -> IdentityPage:
        """The by-status index's partitions in LISTING_STATUSES order from the cursor's
        position: one query each while the page and the read budget last (DynamoDB's Limit
        counts the items evaluated before the filter, so the budget bounds the read)."""
        statuses = [query.status] if query.status else list(LISTING_STATUSES)
        if after is not None:
            statuses = [s for s in statuses
                        if LISTING_STATUSES.index(s) >= LISTING_STATUSES.index(after[0])]
        items: list[Identity] = []
        budget = LISTING_READ_BUDGET
        for number, status in enumerate(statuses):
            start = after[1] if after is not None and after[0] == status else None
            found, last, evaluated = self._read(status, query, start,
                                                min(budget, limit - len(items)))
            items.extend(found)
            budget -= evaluated
            if last is not None:  # the partition goes on: resume where this read stopped
                return IdentityPage(items, f"{status}:{last}")
            more = number + 1 < len(statuses)
            if more and (len(items) >= limit or budget <= 0) and found:
                return IdentityPage(items, f"{status}:{found[-1].did}")
        return IdentityPage(items, None)

    @staticmethod
    def _read(status: str, query: IdentityQuery, start: str | None,
              limit: int) -> tuple[list[Identity], str | None, int]:
        """One query of a status partition after the DID ``start``: the profiles found, the
        last DID evaluated when the partition goes on, and how many items were evaluated."""
        record = IdentityRecord
        key = _did_range(query.did_prefix, start)
        if key is False:
            return [], None, 0
        parts: list[Any] = []
        if query.role is not None:
            parts.append(record.roles.contains(query.role))
        if query.text is not None and query.did_prefix is None:
            parts.append(record.name.contains(query.text) | record.did.contains(query.text))
        condition = reduce(lambda a, b: a & b, parts) if parts else None
        result = record.by_status.query(status, key, filter_condition=condition,
                                        page_size=max(limit, 1))

        def first_page() -> tuple[list[Identity], str | None, int]:
            page = next(result.page_iter)
            found = [_to_identity(IdentityRecord.from_raw_data(item), ())
                     for item in page.get("Items", [])]
            last = page.get("LastEvaluatedKey")
            return found, last["did"]["S"] if last else None, int(page.get("ScannedCount", 0))

        return unavailable_on_connection_errors(first_page)

    def create(self, identity: Identity, credential: Credential, event: AuditEvent) -> None:
        with transaction() as tx:
            tx.save(_to_record(identity), condition=IdentityRecord.did.does_not_exist())
            tx.save(_to_credential_record(identity.did, credential),
                    condition=CredentialRecord.did.does_not_exist())
            audit_log.append(tx, event)

    def add_credential(self, identity: Identity, credential: Credential, event: AuditEvent,
                       expected_version: int) -> None:
        with transaction() as tx:
            tx.save(_to_record(identity), condition=IdentityRecord.version == expected_version)
            tx.save(_to_credential_record(identity.did, credential),
                    condition=CredentialRecord.did.does_not_exist())
            audit_log.append(tx, event)

    def update(self, identity: Identity, event: AuditEvent, expected_version: int, *,
               sessions: Sessions | None = None) -> None:
        with transaction() as tx:
            tx.save(_to_record(identity), condition=IdentityRecord.version == expected_version)
            if sessions is not None:
                _save_sessions(tx, identity.did, sessions)
            audit_log.append(tx, event)

    def standing(self, did: str) -> tuple[Identity | None, Sessions]:
        """One consistent query over the profile and the item after it, the sessions."""
        items = unavailable_on_connection_errors(lambda: IdentityRecord._get_connection().query(
            did, IdentityRecord.sk.startswith(PROFILE), consistent_read=True)["Items"])
        identity, sessions = None, Sessions()
        for item in items:
            sort_key = item["sk"]["S"]
            if sort_key == PROFILE:
                identity = _to_identity(IdentityRecord.from_raw_data(item), ())
            elif sort_key == SESSIONS:
                sessions = _to_sessions(SessionsRecord.from_raw_data(item))
        return identity, sessions

    def sessions(self, did: str) -> Sessions:
        record = get_or_none(SessionsRecord, did, SESSIONS)
        return Sessions() if record is None else _to_sessions(record)

    def save_sessions(self, did: str, sessions: Sessions) -> None:
        with transaction() as tx:
            _save_sessions(tx, did, sessions)


def _did_range(prefix: str | None, start: str | None) -> Any:
    """The key condition on the index's sort key (one condition only: DynamoDB allows no
    two): DIDs that begin with ``prefix`` and come after ``start``; False when none can.
    After ``start`` = from ``start + " "`` on, since every DID character sorts above a space;
    every DID with the prefix sorts below ``prefix + "~"`` for the same reason."""
    did = IdentityRecord.did
    if prefix is None:
        return None if start is None else did > start
    if start is None or start < prefix:
        return did.startswith(prefix)
    lower, upper = start + " ", prefix + "~"
    return did.between(lower, upper) if lower <= upper else False


def _save_sessions(tx: TransactWrite, did: str, sessions: Sessions) -> None:
    condition: Any = (SessionsRecord.did.does_not_exist() if sessions.version == 0
                      else SessionsRecord.version == sessions.version)
    tx.save(SessionsRecord(
        did, SESSIONS, generation=sessions.generation, revoked=dict(sessions.revoked),
        version=sessions.version + 1, ttl=datetime.fromtimestamp(sessions.expires_at, UTC)),
        condition=condition)


def _to_sessions(record: SessionsRecord) -> Sessions:
    return Sessions(generation=int(record.generation),
                    revoked=MappingProxyType({jti: int(exp) for jti, exp in
                                              (record.revoked or {}).items()}),
                    expires_at=int(record.ttl.timestamp()), version=int(record.version))


def _to_identity(record: IdentityRecord, credentials: tuple[Credential, ...]) -> Identity:
    return Identity(
        did=record.did, identity_id=record.identity_id, name=record.name,
        type=IdentityType(record.type), status=IdentityStatus(record.status),
        roles=tuple(record.roles or ()), metadata=record.metadata or {},
        created_at=record.created_at, updated_at=record.updated_at, credentials=credentials,
        version=int(record.version), head_hash=record.head_hash)


def _to_record(identity: Identity) -> IdentityRecord:
    return IdentityRecord(
        identity.did, PROFILE, identity_id=identity.identity_id, name=identity.name,
        type=identity.type.value, status=identity.status.value, roles=list(identity.roles),
        metadata=identity.metadata, created_at=identity.created_at,
        updated_at=identity.updated_at, version=identity.version,
        head_hash=identity.head_hash)


def _to_credential(record: CredentialRecord) -> Credential:
    return Credential(
        credential_id=record.credential_id, type=record.type, value=record.value,
        verification_method=record.verification_method, created_at=record.created_at)


def _to_credential_record(did: str, credential: Credential) -> CredentialRecord:
    return CredentialRecord(
        did, CREDENTIAL_PREFIX + credential.credential_id,
        credential_id=credential.credential_id, type=credential.type, value=credential.value,
        verification_method=credential.verification_method, created_at=credential.created_at)
