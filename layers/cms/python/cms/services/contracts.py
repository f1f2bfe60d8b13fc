"""Contract use cases: visibility, lifecycle commands with optimistic retries, verification."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cms.adapters.contract_store import ContractStore, CorruptSnapshot, Page, WriteConflict
from cms.config import Settings
from cms.domain.anchoring import Batch, Placement
from cms.domain.audit import AuditEvent
from cms.domain.canonical import iso_utc, utc_now
from cms.domain.contracts import (
    SYSTEM_ACTOR,
    Activate,
    AddAttachment,
    Command,
    Complete,
    Content,
    Contract,
    Create,
    Expire,
    NothingToChange,
    RequestChanges,
    Sign,
    Signature,
    Status,
    Submit,
    Terminate,
    Update,
    ValidityEnded,
    record_change,
    stream_of,
)
from cms.domain.did import DidResolver
from cms.domain.drafting import check_client_metadata
from cms.domain.errors import (
    Conflict,
    DependencyUnavailable,
    DomainError,
    Forbidden,
    IllegalTransition,
    LedgerMisconfigured,
    NotFound,
    ReceiptTooLarge,
)
from cms.domain.identity import Caller
from cms.domain.receipts import build_receipt, receipt_bytes
from cms.domain.signatures import (
    contract_signing_payload,
    recordable,
    scheme_of,
    verify_contract_signature,
)
from cms.domain.verification import (
    Check,
    anchor_checks,
    recorded_signature_checker,
    status_slot_check,
    verify_contract,
    verify_unreadable,
)

if TYPE_CHECKING:
    from cms.domain.drafting import TemplateDraft
    from cms.services.anchor_reader import AnchorReader
    from cms.services.drafting import DraftingService

MAX_ATTEMPTS = 5  # optimistic-lock retries; two parties signing at once needs two
MAX_RECEIPT_BYTES = 5 * 1024 * 1024  # a Lambda response carries at most 6 MB


class ConcurrentChanges(Conflict):
    """Lost the optimistic race every time: transient, worth retrying (same public code)."""


class ContractService:
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

    def _drafting(self) -> DraftingService:
        if self._drafting_factory is None:
            raise DependencyUnavailable("no template store is configured")
        return self._drafting_factory()

    # ------------------------------------------------------------ reads

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

    def list(self, caller: Caller, *, status: str | None, role: str | None, scope: str,
             cursor: str | None, limit: int) -> Page:
        if scope == "all":
            if not caller.is_overseer:
                raise Forbidden("only auditors and admins may list every contract")
            return self._store.list_all(status, cursor, limit)
        return self._store.list_for_party(caller.did, role, status, cursor, limit)

    def events(self, caller: Caller, contract_id: str, *, after: int = -1,
               limit: int | None = None) -> list[AuditEvent]:
        self.get(caller, contract_id)
        return self._store.events(contract_id, after=after, limit=limit)

    def verify(self, caller: Caller, contract_id: str) -> dict[str, Any]:
        try:
            contract = self.get(caller, contract_id)  # visibility first, then the history
        except CorruptSnapshot as error:
            checks = verify_unreadable(stream_of(contract_id), self._store.events(contract_id),
                                       error.fields)
            return self._report(contract_id, None, checks)
        placed = self._store.placed_events(contract_id)  # read the history once
        events = [event for event, _ in placed]
        checks = verify_contract(contract, events, recorded_signature_checker(events))
        checks.extend(self._chain_checks(contract, placed))
        return self._report(contract_id, contract, checks)

    def placed_events(self, caller: Caller, contract_id: str, *, after: int = -1,
                      limit: int | None = None) -> list[dict[str, Any]]:
        """The audit events with their anchoring state (batch, transaction, proof)."""
        self.get(caller, contract_id)
        reader = self._anchors() if self._anchors else None
        return [{**event.to_json(),
                 "anchor": reader.describe(placement) if reader else {"state": "unknown"}}
                for event, placement in self._store.placed_events(contract_id, after=after,
                                                                  limit=limit)]

    def receipt(self, caller: Caller, contract_id: str) -> bytes:
        """The contract's receipt as canonical JSON bytes (see cms.domain.receipts)."""
        contract = self.get(caller, contract_id)
        if self._anchors is None:
            raise LedgerMisconfigured("no ledger: receipts need one")
        reader = self._anchors()
        chain_id, address = reader.ledger_address()
        placed: list[tuple[AuditEvent, Placement | None]] = []
        batches: dict[int, Batch] = {}
        for event, placement in self._store.placed_events(contract_id):
            batch = reader.final_batch(placement)  # not final yet: shown as not anchored
            placed.append((event, placement if batch else None))
            if batch:
                batches[batch.first_seq] = batch
        body = receipt_bytes(build_receipt(contract, placed, batches, chain_id=chain_id,
                                           address=address))
        if len(body) > MAX_RECEIPT_BYTES:
            raise ReceiptTooLarge(f"the receipt would be {len(body)} bytes, over the "
                                  f"{MAX_RECEIPT_BYTES} a response can carry; "
                                  f"page through /events instead", size=len(body))
        return body

    def _chain_checks(self, contract: Contract,
                      placed: list[tuple[AuditEvent, Placement | None]]) -> list[Check]:
        """Against what the chain itself says: anchored roots and the status slot."""
        if self._anchors is None:
            return []
        reader = self._anchors()
        try:
            return [*anchor_checks(placed, reader.on_chain),
                    status_slot_check(contract, [event for event, _ in placed],
                                      reader.slot(contract.id))]
        except LedgerMisconfigured as error:
            if not any(placement for _, placement in placed):
                # A deployment without a ledger yet: nothing was claimed, nothing is wrong.
                return [Check("anchoring", True, f"nothing anchored yet ({error.detail})")]
            return [Check("anchoring", False, f"the ledger cannot be read: {error.detail}")]
        except DomainError as error:
            return [Check("anchoring", False, f"the ledger cannot be read: {error.detail}")]

    def _report(self, contract_id: str, contract: Contract | None,
                checks: list[Check]) -> dict[str, Any]:
        return {
            "contract_id": contract_id,
            "valid": all(check.ok for check in checks),
            "status": contract.status.value if contract else None,
            "digest": contract.digest if contract else None,
            "checked_at": iso_utc(self._clock()),
            "checks": [check.to_json() for check in checks],
        }

    def signing_payload(self, caller: Caller, contract_id: str) -> dict[str, Any]:
        contract = self._party_contract(caller, contract_id)
        if contract.status != Status.REVIEW or contract.digest is None:
            raise IllegalTransition("only a contract in review can be signed",
                                    current_status=contract.status.value)
        return {
            "contract_id": contract.id,
            "digest": contract.digest,
            "signer_did": caller.did,
            **contract_signing_payload(contract_id=contract.id, digest_hex=contract.digest,
                                       signer_did=caller.did, chain_id=self._settings.chain_id),
        }

    # ------------------------------------------------------------ writes

    def create(self, caller: Caller, content: Content) -> Contract:
        check_client_metadata(content.metadata)
        return self._create(caller, str(uuid.uuid4()), content)

    def create_from_template(self, caller: Caller, draft: TemplateDraft) -> Contract:
        """A draft whose terms, validity and document come from a template version."""
        contract_id = str(uuid.uuid4())
        return self._create(caller, contract_id,
                            self._drafting().draft(contract_id, caller.did, draft))

    def _create(self, caller: Caller, contract_id: str, content: Content) -> Contract:
        contract, event = record_change(None, Create(contract_id, content), actor=caller.did,
                                        now=self._clock(), event_id=str(uuid.uuid4()))
        self._store.commit(contract, event, expected_version=None)
        return contract

    def update(self, caller: Caller, contract_id: str, changes: dict[str, Any]) -> Contract:
        def edit(contract: Contract) -> Command:
            if contract.status != Status.DRAFT or caller.did != contract.content.provider_did:
                return Update(changes)  # refused by the rules, before anything is rendered
            return Update(self._drafting().redraft(contract.id, contract.content,
                                                   dict(changes)))

        try:
            return self._execute(caller, contract_id, edit)
        except NothingToChange:
            return self.get(caller, contract_id)  # a repeated or empty edit writes nothing

    def submit(self, caller: Caller, contract_id: str,
               signing_deadline: datetime | None = None) -> Contract:
        return self._execute(caller, contract_id, Submit(signing_deadline))

    def request_changes(self, caller: Caller, contract_id: str, reason: str | None) -> Contract:
        return self._execute(caller, contract_id, RequestChanges(reason))

    def activate(self, caller: Caller, contract_id: str) -> Contract:
        """A party activating a contract the lifecycle workflow already activated (at
        valid_from) gets it as it is: both wanted the same state."""
        try:
            return self._execute(caller, contract_id, Activate())
        except IllegalTransition:
            contract = self.get(caller, contract_id)
            if contract.status == Status.ACTIVE:
                return contract
            raise

    def complete(self, caller: Caller, contract_id: str) -> Contract:
        return self._execute(caller, contract_id, Complete())

    def terminate(self, caller: Caller, contract_id: str, reason: str) -> Contract:
        return self._execute(caller, contract_id, Terminate(reason))

    def sign(self, caller: Caller, contract_id: str, signature: str,
             verification_method: str | None) -> Contract:
        contract = self._party_contract(caller, contract_id)
        existing = contract.signed_by(caller.did)
        if existing is not None and existing.signature == signature:
            return contract  # a retried request: the signature already landed once
        if contract.status != Status.REVIEW or contract.digest is None:
            raise IllegalTransition(f"cannot sign a contract in status '{contract.status}'",
                                    current_status=contract.status.value,
                                    allowed_from=[Status.REVIEW.value])
        document = self._resolver.resolve(caller.did)
        method = verify_contract_signature(
            document, contract_id=contract.id, digest_hex=contract.digest, signature=signature,
            chain_id=self._settings.chain_id, verification_method=verification_method)
        record = Signature(
            signer_did=caller.did, role=contract.role_of(caller.did) or "",
            verification_method=method.id,
            scheme=scheme_of(method),
            signature=signature, digest=contract.digest, signed_at=iso_utc(self._clock()),
            chain_id=self._settings.chain_id)
        return self._execute(caller, contract_id, Sign(record, recordable(document)))

    def add_attachment(self, contract_id: str, attachment: dict[str, Any]) -> Contract:
        """Register an uploaded, hashed file on a draft (the attachments trigger)."""
        return self._execute(Caller(SYSTEM_ACTOR), contract_id, AddAttachment(attachment))

    # ------------------------------------------------------------ the platform's steps

    def current(self, contract_id: str) -> Contract:
        """The contract as the platform sees it (no caller, no visibility rules)."""
        contract = self._store.get(contract_id)
        if contract is None:
            raise NotFound(f"no contract {contract_id}")
        return contract

    def expire(self, contract_id: str) -> Contract:
        """Expire if due (validity ended, or signatures missing at the deadline); a contract
        that is not live, or not due, is returned as it is."""
        return self._system_step(contract_id, Expire())

    def activate_now(self, contract_id: str) -> Contract:
        """Activate a signed contract at valid_from (a party may have done it already).
        NotYetValid if woken early: the workflow retries a moment later."""
        return self._system_step(contract_id, Activate())

    def _system_step(self, contract_id: str, command: Command) -> Contract:
        try:
            return self._execute(Caller(SYSTEM_ACTOR), contract_id, command)
        except (IllegalTransition, ValidityEnded):
            return self.current(contract_id)

    def expire_due(self) -> list[str]:
        """Expire every live contract whose validity has ended; returns their ids."""
        expired = []
        system = Caller(SYSTEM_ACTOR)
        for contract_id in self._store.due_for_expiry(iso_utc(self._clock())):
            try:
                self._execute(system, contract_id, Expire())
                expired.append(contract_id)
            except DomainError:
                # Changed since the index was read, or a conflict or outage for this one
                # contract: the next sweep retries it; the others still expire now.
                continue
        return expired

    def _execute(self, caller: Caller, contract_id: str,
                 command: Command | Callable[[Contract], Command]) -> Contract:
        """Decide, seal and commit; on a lost race re-read and decide again. A command that
        depends on the current contract is given as a function of it."""
        for _ in range(MAX_ATTEMPTS):
            contract = (self._store.get(contract_id) if caller.did == SYSTEM_ACTOR
                        else self.get(caller, contract_id))
            if contract is None:
                raise NotFound(f"no contract {contract_id}")
            updated, event = record_change(
                contract, command(contract) if callable(command) else command,
                actor=caller.did, now=self._clock(), event_id=str(uuid.uuid4()))
            try:
                self._store.commit(updated, event, expected_version=contract.version)
                return updated
            except WriteConflict:
                continue
        raise ConcurrentChanges("the contract changed concurrently too many times; retry the "
                                "request")

    def _party_contract(self, caller: Caller, contract_id: str) -> Contract:
        contract = self.get(caller, contract_id)
        if contract.role_of(caller.did) is None:
            raise Forbidden("only a party to the contract may do this")
        return contract
