"""Contracts and their audit events in DynamoDB.

A change is one transaction: the snapshot (conditioned on the version it was computed from)
and the audit event (conditioned on its sequence number being free, so chains cannot fork).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from pynamodb.indexes import GlobalSecondaryIndex

from cms.adapters import audit_log
from cms.adapters.dynamo import (
    WriteConflict,
    bad_cursor,
    decode_cursor,
    encode_cursor,
    transaction,
    unavailable_on_connection_errors,
)
from cms.adapters.tables import ContractRecord
from cms.domain.anchoring import Placement
from cms.domain.audit import AuditEvent
from cms.domain.contracts import EXPIRABLE, Content, Contract, Signature, Status, stream_of
from cms.domain.errors import DomainError

__all__ = ["ContractStore", "Page", "WriteConflict"]


class CorruptSnapshot(DomainError):
    code, status, title = "corrupt_record", 500, "A stored record cannot be read"

    def __init__(self, contract_id: str, fields: list[str], parties: tuple[Any, Any]) -> None:
        super().__init__(f"contract {contract_id} has unreadable fields: {', '.join(fields)}",
                         fields=fields)
        self.fields = fields
        self.parties = parties


@dataclass(frozen=True)
class Page:
    items: list[Contract]
    next_cursor: str | None


@dataclass(frozen=True)
class _Stream:
    """One sorted GSI partition that a listing reads from (newest first)."""

    name: str
    index: GlobalSecondaryIndex
    hash_attribute: str
    partition: str


class ContractStore:
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
                       cursor: str | None, limit: int) -> Page:
        streams = []
        if role in (None, "provider"):
            streams.append(_Stream("provider", ContractRecord.by_provider, "provider_did", did))
        if role in (None, "consumer"):
            streams.append(_Stream("consumer", ContractRecord.by_consumer, "consumer_did", did))
        return self._merged_page(streams, status, cursor, limit)

    def list_all(self, status: str | None, cursor: str | None, limit: int) -> Page:
        statuses = [status] if status else [s.value for s in Status]
        streams = [_Stream(s, ContractRecord.by_status, "status", s) for s in statuses]
        return self._merged_page(streams, None, cursor, limit)

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

    # Listing merges several newest-first GSI partitions into one page. The cursor keeps,
    # per partition, the (created_at, id) of the last item handed out, so the partition key
    # itself always comes from the caller's identity and never from the client.
    def _merged_page(self, streams: list[_Stream], status: str | None, cursor: str | None,
                     limit: int) -> Page:
        state = decode_cursor(cursor) if cursor else {}
        heads: list[tuple[Contract, _Stream]] = []
        for stream in streams:
            position = state.get(stream.name)
            if position == "done":
                continue
            heads.extend((item, stream) for item in
                         islice(self._read(stream, position, status, limit), limit))
        heads.sort(key=lambda pair: (pair[0].created_at, pair[0].id), reverse=True)
        page, seen = heads[:limit], {}
        for contract, stream in page:
            seen[stream.name] = [contract.created_at, contract.id]
        next_state = {}
        for stream in streams:
            if state.get(stream.name) == "done":
                next_state[stream.name] = "done"
                continue
            fetched = [pair for pair in heads if pair[1].name == stream.name]
            consumed = seen.get(stream.name, state.get(stream.name))
            exhausted = len(fetched) < limit and all(pair in page for pair in fetched)
            next_state[stream.name] = "done" if exhausted else consumed
        more = any(value != "done" for value in next_state.values())
        return Page([contract for contract, _ in page], encode_cursor(next_state) if more else None)

    def _read(self, stream: _Stream, position: Any, status: str | None,
              limit: int) -> Iterator[Contract]:
        start_key = None
        if position is not None:
            start_key = _start_key(stream, position)
        condition = ContractRecord.status == status if status else None
        query = stream.index.query(stream.partition, scan_index_forward=False,
                                   filter_condition=condition, limit=limit,
                                   last_evaluated_key=start_key)
        return iter(unavailable_on_connection_errors(lambda: [_to_contract(r) for r in query]))


def _start_key(stream: _Stream, position: Any) -> dict[str, Any]:
    if not (isinstance(position, list) and len(position) == 2
            and all(isinstance(part, str) for part in position)):
        raise bad_cursor()
    created_at, contract_id = position
    return {
        "contract_id": {"S": contract_id},
        stream.hash_attribute: {"S": stream.partition},
        "created_key": {"S": created_key(created_at, contract_id)},
    }


def created_key(created_at: str, contract_id: str) -> str:
    return f"{created_at}#{contract_id}"


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
        created_key=created_key(contract.created_at, contract.id),
        version=contract.version, head_hash=contract.head_hash,
    )
