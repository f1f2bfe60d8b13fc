"""Contracts and their audit events in DynamoDB (the port: cms.ports.contracts).

A change is one transaction: the snapshot (conditioned on the version it was computed from)
and the audit event (conditioned on its sequence number being free, so chains cannot fork).
Listings read the newest-first GSI partitions the caller may see (as provider, as consumer;
or one per status) from below the cursor's listing key, and merge them into one page.
"""

from __future__ import annotations

from typing import Any

from pynamodb.indexes import GlobalSecondaryIndex

from cms.adapters import audit_log
from cms.adapters.dynamo import transaction, unavailable_on_connection_errors
from cms.adapters.tables import ContractRecord
from cms.domain.anchoring import Placement
from cms.domain.audit import AuditEvent
from cms.domain.contracts import EXPIRABLE, Content, Contract, Signature, Status, stream_of
from cms.domain.contracts.listing import listing_key, merged_page
from cms.ports.contracts import ContractPage, CorruptSnapshot
from cms.ports.errors import WriteConflict

__all__ = ["ContractStore", "CorruptSnapshot", "DynamoContractStore", "WriteConflict"]


class DynamoContractStore:
    def get(self, contract_id: str) -> Contract | None:
        """The snapshot, or None; CorruptSnapshot (naming the fields) if it cannot be read.

        Read attribute by attribute rather than through the model, so that a value edited
        into something invalid is reported as such instead of failing the whole request."""
        response = unavailable_on_connection_errors(
            lambda: ContractRecord._get_connection().get_item(contract_id, consistent_read=True))
        item = response.get("Item")
        return None if not item else _decode(contract_id, item)

    def events(self, contract_id: str, *, after: int = -1,
               limit: int | None = None) -> list[AuditEvent]:
        return audit_log.read_stream(stream_of(contract_id), after=after, limit=limit)

    def head_state(self, contract_id: str) -> tuple[str, int] | None:
        """(status, seq of the head event): what the ledger's status slot records."""
        contract = self.get(contract_id)
        return None if contract is None else (contract.status.value, contract.version - 1)

    def placed_events(self, contract_id: str, *, after: int = -1,
                      limit: int | None = None) -> list[tuple[AuditEvent, Placement | None]]:
        return audit_log.read_placed(stream_of(contract_id), after=after, limit=limit)

    def commit(self, contract: Contract, event: AuditEvent, expected_version: int | None) -> None:
        """Write snapshot and event atomically; WriteConflict if someone else got there first."""
        record = _to_record(contract)
        lock = (ContractRecord.contract_id.does_not_exist() if expected_version is None
                else ContractRecord.version == expected_version)
        with transaction() as tx:
            tx.save(record, condition=lock)
            audit_log.append(tx, event)

    def list_for_party(self, did: str, role: str | None, status: str | None,
                       before: str | None, limit: int) -> ContractPage:
        partitions = []
        if role in (None, "provider"):
            partitions.append((ContractRecord.by_provider, did))
        if role in (None, "consumer"):
            partitions.append((ContractRecord.by_consumer, did))
        return self._merged_page(partitions, status, before, limit)

    def list_all(self, status: str | None, before: str | None, limit: int) -> ContractPage:
        statuses = [status] if status else [s.value for s in Status]
        return self._merged_page([(ContractRecord.by_status, s) for s in statuses], None,
                                 before, limit)

    def due_for_expiry(self, now_iso: str, limit: int = 100) -> list[str]:
        ids: list[str] = []
        for status in sorted(EXPIRABLE):
            query = ContractRecord.by_expiry.query(
                status.value, ContractRecord.valid_until <= now_iso, limit=limit)
            ids.extend(unavailable_on_connection_errors(lambda q=query: [r.contract_id for r in q]))
        # Unsigned at the deadline (a backstop for the workflow; contracts in review are few).
        unsigned = ContractRecord.by_status.query(
            Status.REVIEW.value, filter_condition=ContractRecord.signing_deadline <= now_iso,
            limit=limit)
        ids.extend(unavailable_on_connection_errors(lambda: [r.contract_id for r in unsigned]))
        return list(dict.fromkeys(ids))[:limit]

    def _merged_page(self, partitions: list[tuple[GlobalSecondaryIndex, str]],
                     status: str | None, before: str | None, limit: int) -> ContractPage:
        """One more than a page from each partition: more remain exactly when the merged
        candidates outnumber the page (cms.domain.contracts.listing.merged_page)."""
        candidates = []
        for index, partition in partitions:
            candidates.extend(self._read(index, partition, status, before, limit + 1))
        items, cursor = merged_page(candidates, limit)
        return ContractPage(items, cursor)

    @staticmethod
    def _read(index: GlobalSecondaryIndex, partition: str, status: str | None,
              before: str | None, count: int) -> list[Contract]:
        query = index.query(
            partition, ContractRecord.created_key < before if before else None,
            scan_index_forward=False,
            filter_condition=ContractRecord.status == status if status else None, limit=count)
        return unavailable_on_connection_errors(lambda: [_to_contract(r) for r in query])


# The name the other services' wiring still uses.
ContractStore = DynamoContractStore


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError("not a JSON object")
    return value


def _terms(value: Any) -> dict[str, Any] | str:
    return value if isinstance(value, str) else _object(value)


# Domain conversions of stored values; anything else is kept as pynamodb deserialised it.
_CONVERT: dict[str, Any] = {
    "status": Status,
    "terms": _terms,
    "metadata": _object,
    "signatures": lambda value: tuple(Signature.from_json(_object(s)) for s in value),
    "version": int,
}


def _decode(contract_id: str, item: dict[str, Any]) -> Contract:
    values: dict[str, Any] = {}
    unreadable = []
    for name, attribute in ContractRecord.get_attributes().items():
        raw = item.get(attribute.attr_name)
        try:
            if raw is None:
                if not attribute.null:
                    raise ValueError("missing")
                values[name] = None
                continue
            value = attribute.deserialize(attribute.get_value(raw))
            values[name] = _CONVERT.get(name, lambda v: v)(value)
        except (ValueError, TypeError, KeyError, AttributeError):
            unreadable.append(name)
    if unreadable:
        raise CorruptSnapshot(contract_id, unreadable,
                              (values.get("provider_did"), values.get("consumer_did")))
    return Contract(
        id=values["contract_id"],
        content=Content.from_json(values),
        status=values["status"], digest=values["digest"], signatures=values["signatures"],
        created_at=values["created_at"], updated_at=values["updated_at"],
        version=values["version"], head_hash=values["head_hash"],
        signing_deadline=values["signing_deadline"])


def _to_contract(record: ContractRecord) -> Contract:
    return _decode(record.contract_id, record.serialize())


def _to_record(contract: Contract) -> ContractRecord:
    content = contract.content
    return ContractRecord(
        contract.id,
        title=content.title, description=content.description,
        provider_did=content.provider_did, consumer_did=content.consumer_did,
        status=contract.status.value, terms=content.terms, metadata=content.metadata,
        valid_from=content.valid_from, valid_until=content.valid_until,
        digest=contract.digest, signing_deadline=contract.signing_deadline,
        signatures=[s.to_json() for s in contract.signatures],
        created_at=contract.created_at, updated_at=contract.updated_at,
        created_key=listing_key(contract.created_at, contract.id),
        version=contract.version, head_hash=contract.head_hash,
    )
