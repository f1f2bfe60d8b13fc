"""Reading contracts as their parties and overseers may see them.

``ContractReads`` holds what every contract use case needs (the store, the DID resolver, the
settings, the clock, and the ledger and template services when configured) and the visibility
rule all of them apply: a party or an overseer sees a contract, anyone else learns nothing,
not even that it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from cms.config import Settings
from cms.domain.audit import AuditEvent
from cms.domain.canonical import iso_utc, parse_iso, utc_now
from cms.domain.contracts.listing import (
    ListingFilter,
    check_created_window,
    check_page_size,
    folded,
    key_of_cursor,
)
from cms.domain.contracts.model import Contract, Status
from cms.domain.did import DidResolver
from cms.domain.errors import Forbidden, IllegalTransition, NotFound, ValidationFailed
from cms.domain.identity import Caller
from cms.domain.signatures import contract_signing_payload
from cms.ports.contracts import ContractPage, ContractStore, CorruptSnapshot
from cms.services.contracts.results import SigningPayload

if TYPE_CHECKING:
    from cms.services.anchor_reader import AnchorReader
    from cms.services.drafting import DraftingService


class ContractReads:
    def __init__(self, store: ContractStore, resolver: DidResolver, settings: Settings, *,
                 clock: Callable[[], datetime] = utc_now,
                 anchors: Callable[[], AnchorReader] | None = None,
                 drafting: Callable[[], DraftingService] | None = None) -> None:
        self._store = store
        self._resolver = resolver
        self._settings = settings
        self._clock = clock
        self._anchors = anchors  # None: no ledger to check against (unit tests)
        self._drafting_factory = drafting  # None: no template store (unit tests)

    def get(self, caller: Caller, contract_id: str) -> Contract:
        try:
            contract = self._store.get(contract_id)
        except CorruptSnapshot as error:
            if caller.is_overseer or caller.did in error.parties:
                raise
            raise NotFound(f"no contract {contract_id}") from None
        if contract is None or not (caller.is_overseer or contract.role_of(caller.did)):
            # Non-parties learn nothing, not even that the contract exists.
            raise NotFound(f"no contract {contract_id}")
        return contract

    def list(self, caller: Caller, *, status: str | None = None, role: str | None = None,
             scope: str = "mine", cursor: str | None = None, limit: int = 20,
             filters: ListingFilter | None = None) -> ContractPage:
        """Newest first, ``limit`` at a time; ``cursor`` is a page's ``next_cursor``.
        ``filters`` may hold instants in any ISO 8601 form with a zone and search text in any
        case: they are normalised here (cms.domain.contracts.listing)."""
        try:
            before = key_of_cursor(cursor) if cursor is not None else None
        except ValueError as error:
            raise ValidationFailed("The cursor is not a listing position", [
                {"pointer": "query:cursor", "message": str(error)}]) from None
        check_page_size(limit)
        kept = _normalised(filters or ListingFilter())
        check_created_window(kept)
        if scope == "all":
            if not caller.is_overseer:
                raise Forbidden("only auditors and admins may list every contract")
            return self._store.list_all(status, before, limit, filters=kept)
        return self._store.list_for_party(caller.did, role, status, before, limit,
                                          filters=kept)

    def events(self, caller: Caller, contract_id: str, *, after: int = -1,
               limit: int | None = None) -> list[AuditEvent]:
        self.get(caller, contract_id)
        return self._store.events(contract_id, after=after, limit=limit)

    def current(self, contract_id: str) -> Contract:
        """The contract as the platform sees it (no caller, no visibility rules)."""
        contract = self._store.get(contract_id)
        if contract is None:
            raise NotFound(f"no contract {contract_id}")
        return contract

    def signing_payload(self, caller: Caller, contract_id: str) -> SigningPayload:
        contract = self._party_contract(caller, contract_id)
        if contract.status != Status.REVIEW or contract.digest is None:
            raise IllegalTransition("only a contract in review can be signed",
                                    current_status=contract.status.value,
                                    allowed_from=[Status.REVIEW.value])
        return SigningPayload.of(contract.id, contract.digest, caller.did,
                                 contract_signing_payload(
                                     contract_id=contract.id, digest_hex=contract.digest,
                                     signer_did=caller.did, chain_id=self._settings.chain_id))

    def _party_contract(self, caller: Caller, contract_id: str) -> Contract:
        contract = self.get(caller, contract_id)
        if contract.role_of(caller.did) is None:
            raise Forbidden("only a party to the contract may do this")
        return contract


def _normalised(filters: ListingFilter) -> ListingFilter:
    """Instants in the stored form (so they compare as text) and the search case-folded;
    ValidationFailed names each instant that is not one."""
    errors, instants = [], {}
    for name in ("created_after", "created_before", "valid_at"):
        value = getattr(filters, name)
        if value is None:
            continue
        try:
            instants[name] = iso_utc(parse_iso(value))
        except ValueError as error:
            errors.append({"pointer": f"query:{name}", "message": str(error)})
    if errors:
        raise ValidationFailed("A date filter is not an ISO 8601 instant", errors)
    search = filters.title_contains.strip() if filters.title_contains is not None else ""
    return replace(filters, **instants, title_contains=folded(search) if search else None)
