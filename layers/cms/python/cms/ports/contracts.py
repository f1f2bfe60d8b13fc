"""Contracts: each snapshot with its hash-chained audit events, and the listings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from cms.domain.anchoring import Placement
from cms.domain.audit import AuditEvent
from cms.domain.contracts import Contract
from cms.domain.contracts.listing import ListingFilter
from cms.domain.errors import DomainError


class CorruptSnapshot(DomainError):
    """A stored snapshot whose fields cannot be decoded (edited outside the API into other
    types): the fields are named, and verification reports them one by one."""

    code, status, title = "corrupt_record", 500, "A stored record cannot be read"

    def __init__(self, contract_id: str, fields: list[str], parties: tuple[Any, Any]) -> None:
        super().__init__(f"contract {contract_id} has unreadable fields: {', '.join(fields)}",
                         fields=fields)
        self.fields = fields
        self.parties = parties


@dataclass(frozen=True)
class ContractPage:
    items: list[Contract]
    next_cursor: str | None  # see cms.domain.contracts.listing


class ContractStore(Protocol):
    """A change is atomic: the snapshot, conditioned on the version it was computed from, and
    its audit event (stream ``contract:<id>``), conditioned on its sequence number being free;
    either condition lost raises ``WriteConflict`` and writes nothing. Reads are consistent."""

    def get(self, contract_id: str) -> Contract | None:
        """The snapshot, or None; CorruptSnapshot if it cannot be decoded."""

    def events(self, contract_id: str, *, after: int = -1,
               limit: int | None = None) -> list[AuditEvent]:
        """Events with ``seq > after`` in order; at most ``limit`` (all when None)."""

    def placed_events(self, contract_id: str, *, after: int = -1, limit: int | None = None
                      ) -> list[tuple[AuditEvent, Placement | None]]:
        """The events with where each is anchored (None while it waits for a final batch)."""

    def head_state(self, contract_id: str) -> tuple[str, int] | None:
        """(status, seq of the head event): what the ledger's status slot records."""

    def commit(self, contract: Contract, event: AuditEvent,
               expected_version: int | None) -> None:
        """Write the snapshot and its event; ``expected_version`` None: a new contract."""

    def list_for_party(self, did: str, role: str | None, status: str | None,
                       before: str | None, limit: int, *,
                       filters: ListingFilter | None = None) -> ContractPage:
        """The contracts ``did`` is a party to (in ``role`` if given, in ``status`` if given,
        kept by ``filters`` with the counterparty the other party), newest first, from below
        the listing key ``before`` (cms.domain.contracts.listing). With filters a page may
        hold fewer than ``limit`` (even none) and still have a next_cursor: each read is
        bounded; following the cursors yields every match once."""

    def list_all(self, status: str | None, before: str | None, limit: int, *,
                 filters: ListingFilter | None = None) -> ContractPage:
        """Every contract (in ``status`` if given; the counterparty is either party), as
        ``list_for_party`` pages."""

    def due_for_expiry(self, now_iso: str, limit: int = 100) -> list[str]:
        """Ids of live contracts whose validity ended by ``now_iso``, and of contracts in
        review whose signing deadline passed."""
