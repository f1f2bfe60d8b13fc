"""Identities and their credentials in DynamoDB (one partition per DID)."""

from __future__ import annotations

from cms.adapters.dynamo import WriteConflict, transaction, unavailable_on_connection_errors
from cms.adapters.tables import CredentialRecord, IdentityRecord
from cms.domain.identity import Credential, Identity, IdentityStatus, IdentityType

PROFILE = "IDENTITY"
CREDENTIAL_PREFIX = "CRED#"


class IdentityStore:
    def get(self, did: str) -> Identity | None:
        """The identity with its credentials, or None."""
        profiles = unavailable_on_connection_errors(lambda: list(IdentityRecord.query(
            did, IdentityRecord.sk == PROFILE, consistent_read=True)))
        if not profiles:
            return None
        credentials = unavailable_on_connection_errors(lambda: [
            _to_credential(record) for record in CredentialRecord.query(
                did, CredentialRecord.sk.startswith(CREDENTIAL_PREFIX), consistent_read=True)])
        return _to_identity(profiles[0], tuple(credentials))

    def register(self, identity: Identity, credential: Credential) -> tuple[Identity, bool]:
        """Create the identity and/or add the credential atomically.

        Returns the stored identity and whether anything new was written; a repeat of the
        same registration writes nothing and returns (existing, False).
        """
        existing = self.get(identity.did)
        if existing is not None and any(
                c.credential_id == credential.credential_id for c in existing.credentials):
            return existing, False
        try:
            with transaction() as tx:
                if existing is None:
                    tx.save(_to_record(identity), condition=IdentityRecord.did.does_not_exist())
                tx.save(_to_credential_record(identity.did, credential),
                        condition=CredentialRecord.did.does_not_exist())
        except WriteConflict:
            # A concurrent registration of the same DID won; the repeat is idempotent.
            stored = self.get(identity.did)
            if stored is not None and any(
                    c.credential_id == credential.credential_id for c in stored.credentials):
                return stored, False
            raise
        stored = self.get(identity.did)
        assert stored is not None  # just written in a consistent read's partition
        return stored, True

    def update(self, identity: Identity, expected_updated_at: str) -> None:
        """Replace the profile if nobody changed it since it was read."""
        with transaction() as tx:
            tx.save(_to_record(identity),
                    condition=IdentityRecord.updated_at == expected_updated_at)


def _to_identity(record: IdentityRecord, credentials: tuple[Credential, ...]) -> Identity:
    return Identity(
        did=record.did, identity_id=record.identity_id, name=record.name,
        type=IdentityType(record.type), status=IdentityStatus(record.status),
        roles=tuple(record.roles or ()), metadata=record.metadata or {},
        created_at=record.created_at, updated_at=record.updated_at, credentials=credentials)


def _to_record(identity: Identity) -> IdentityRecord:
    return IdentityRecord(
        identity.did, PROFILE, identity_id=identity.identity_id, name=identity.name,
        type=identity.type.value, status=identity.status.value, roles=list(identity.roles),
        metadata=identity.metadata, created_at=identity.created_at,
        updated_at=identity.updated_at)


def _to_credential(record: CredentialRecord) -> Credential:
    return Credential(
        credential_id=record.credential_id, type=record.type, value=record.value,
        verification_method=record.verification_method, created_at=record.created_at)


def _to_credential_record(did: str, credential: Credential) -> CredentialRecord:
    return CredentialRecord(
        did, CREDENTIAL_PREFIX + credential.credential_id,
        credential_id=credential.credential_id, type=credential.type, value=credential.value,
        verification_method=credential.verification_method, created_at=credential.created_at)
