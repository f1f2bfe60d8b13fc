"""Contracts and their audit events in DynamoDB (the port: cms.ports.contracts).

A change is one transaction: the snapshot (conditioned on the version it was computed from)
and the audit event (conditioned on its sequence number being free, so chains cannot fork).
Listings read the newest-first GSI partitions the caller may see (as provider, as consumer;
or one per status) from below the cursor's listing key, one bounded query each, and merge
them into one page (filters as DynamoDB filter expressions within those reads).
"""

from __future__ import annotations

from dataclasses import replace
from functools import reduce
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.indexes import GlobalSecondaryIndex

from cms.adapters import audit_log
from cms.adapters.dynamo import transaction, unavailable_on_connection_errors
from cms.adapters.tables import ContractRecord
from cms.domain.anchoring import Placement
from cms.domain.audit import AuditEvent
from cms.domain.contracts import EXPIRABLE, Content, Contract, Signature, Status, stream_of
from cms.domain.contracts.listing import (
    READ_BUDGET,
    KeyRange,
    ListingFilter,
    PartitionRead,
    bounded_page,
    folded,
    key_range,
    listing_key,
)
from cms.domain.drafting import template_of
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
                       before: str | None, limit: int, *,
                       filters: ListingFilter | None = None) -> ContractPage:
        filters = _with_status(filters, status)
        partitions = []
        # In each partition the counterparty is the other role's DID.
        if role in (None, "provider"):
            partitions.append((ContractRecord.by_provider, did, ContractRecord.consumer_did))
        if role in (None, "consumer"):
            partitions.append((ContractRecord.by_consumer, did, ContractRecord.provider_did))
        conditions = [(index, partition, _condition(filters, other))
                      for index, partition, other in partitions]
        return self._page(conditions, filters, before, limit)

    def list_all(self, status: str | None, before: str | None, limit: int, *,
                 filters: ListingFilter | None = None) -> ContractPage:
        filters = _with_status(filters, status)
        if filters.counterparty is not None:
            # Either party: that DID's own two partitions, not every status partition.
            party = filters.counterparty
            partitions = [(ContractRecord.by_provider, party), (ContractRecord.by_consumer, party)]
            plain = replace(filters, counterparty=None)
            conditions = [(index, key, _condition(plain, None)) for index, key in partitions]
        else:
            statuses = [filters.status] if filters.status else [s.value for s in Status]
            unsorted = replace(filters, status=None)  # the partition is the status
            conditions = [(ContractRecord.by_status, s, _condition(unsorted, None))
                          for s in statuses]
        return self._page(conditions, filters, before, limit)

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

    def _page(self, partitions: list[tuple[GlobalSecondaryIndex, str, Condition | None]],
              filters: ListingFilter, before: str | None, limit: int) -> ContractPage:
        """One bounded read of each partition (cms.domain.contracts.listing.bounded_page):
        ``limit + 1`` contracts when nothing narrows within the key range (so more remain
        exactly when the merged reads outnumber the page), else READ_BUDGET evaluated."""
        bounds = key_range(filters, before)
        if bounds is None:  # nothing lies in the window: never send DynamoDB an empty range
            return ContractPage([], None)
        budget = max(limit + 1, READ_BUDGET) if filters.narrows_within_pages else limit + 1
        reads = [self._read(index, partition, condition, bounds, budget)
                 for index, partition, condition in partitions]
        items, cursor = bounded_page(reads, limit)
        return ContractPage(items, cursor)

    @staticmethod
    def _read(index: GlobalSecondaryIndex, partition: str, condition: Condition | None,
              bounds: KeyRange, budget: int) -> PartitionRead:
        """One query (DynamoDB's Limit evaluates at most ``budget`` items, before the
        filter), newest first within the listing keys ``bounds`` (ordered, never empty)."""
        lower, upper = bounds.lower, bounds.upper
        key = ContractRecord.created_key
        if lower is not None and upper is not None:
            # between is inclusive; an upper bound that is a contract's key is dropped below.
            range_condition = key.between(lower, upper)
        elif upper is not None:
            range_condition = key < upper
        elif lower is not None:
            range_condition = key > lower
        else:
            range_condition = None
        query = index.query(partition, range_condition, scan_index_forward=False,
                            filter_condition=condition, page_size=budget)

        def first_page() -> PartitionRead:
            page = next(query.page_iter)
            items = [_decode(item["contract_id"]["S"], item) for item in page.get("Items", [])
                     if item["created_key"]["S"] != upper]
            last = page.get("LastEvaluatedKey")
            return PartitionRead(items, last["created_key"]["S"] if last else None)

        return unavailable_on_connection_errors(first_page)


def _with_status(filters: ListingFilter | None, status: str | None) -> ListingFilter:
    filters = filters or ListingFilter()
    return filters if status is None else replace(filters, status=status)


def _condition(filters: ListingFilter, other_party: Any) -> Condition | None:
    """The filter expression for what the key range does not already decide (the stored
    ``title_folded`` and ``template_id`` attributes exist for these)."""
    record = ContractRecord
    parts: list[Condition] = []
    if filters.status is not None:
        parts.append(record.status == filters.status)
    if filters.counterparty is not None:
        parts.append(other_party == filters.counterparty)
    if filters.template_id is not None:
        parts.append(record.template_id == filters.template_id)
    if filters.valid_at is not None:
        parts.append((record.valid_from <= filters.valid_at)
                     & (record.valid_until > filters.valid_at))
    if filters.title_contains is not None:
        parts.append(record.title_folded.contains(filters.title_contains))
    return reduce(lambda left, right: left & right, parts) if parts else None


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
        title_folded=folded(content.title),
        template_id=(template_of(content.metadata) or {}).get("id"),
        version=contract.version, head_hash=contract.head_hash,
    )
