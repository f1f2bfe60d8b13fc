"""The evidence about a contract: its verification report, its anchored events, its receipt."""

from __future__ import annotations

from cms.domain.anchoring import Batch, Placement
from cms.domain.audit import AuditEvent
from cms.domain.canonical import iso_utc
from cms.domain.contracts.model import Contract, stream_of
from cms.domain.errors import DomainError, LedgerMisconfigured, ReceiptTooLarge
from cms.domain.identity import Caller
from cms.domain.receipts import build_receipt, receipt_bytes
from cms.domain.verification import (
    Check,
    anchor_checks,
    recorded_signature_checker,
    status_slot_check,
    verify_contract,
    verify_unreadable,
)
from cms.ports.contracts import CorruptSnapshot
from cms.services.anchor_reader import UNKNOWN, AnchorState
from cms.services.contracts.reads import ContractReads
from cms.services.contracts.results import PlacedEvent, VerificationReport

MAX_RECEIPT_BYTES = 5 * 1024 * 1024  # a Lambda response carries at most 6 MB


class ContractVerification(ContractReads):
    def verify(self, caller: Caller, contract_id: str) -> VerificationReport:
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
                      limit: int | None = None) -> list[PlacedEvent]:
        """The audit events with their anchoring state (batch, transaction, proof)."""
        self.get(caller, contract_id)
        reader = self._anchors() if self._anchors else None
        return [PlacedEvent(event, reader.describe(placement) if reader
                            else AnchorState(UNKNOWN))
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
                checks: list[Check]) -> VerificationReport:
        return VerificationReport(contract_id, contract.status.value if contract else None,
                                  contract.digest if contract else None,
                                  iso_utc(self._clock()), checks)
