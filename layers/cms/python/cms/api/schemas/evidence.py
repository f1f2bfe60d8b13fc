"""The evidence about a contract: its audit events with their anchoring, the verification
report, and the receipt that carries everything to verify offline against the chain."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from cms.api.schemas.audit import AuditEvent
from cms.api.schemas.common import Instant, SafeInt, Sha256Hex, Uuid
from cms.api.schemas.contracts import Contract, ContractStatus

TxHash = Field(pattern=r"^0x[0-9a-f]{64}$", description="The anchoring transaction")


class InclusionProof(BaseModel):
    """RFC 6962 Merkle audit path of the event's hash in its batch's tree."""

    index: int = Field(ge=0)
    size: int = Field(ge=1)
    path: list[Sha256Hex]
    algorithm: Literal["rfc6962-sha256"]


class EventAnchor(BaseModel):
    """``pending``: queued for the next batch; ``batched``: in a batch whose transaction is
    not final yet; ``anchored``: final on chain, what a receipt proves; ``unknown``: this
    deployment has no ledger to ask."""

    state: Literal["pending", "batched", "anchored", "unknown"]
    batch: SafeInt | None = Field(default=None, description="The batch's first sequence number")
    anchor_seq: SafeInt | None = Field(default=None,
                                       description="The event's global anchoring number")
    proof: InclusionProof | None = None
    root: Sha256Hex | None = Field(default=None, description="The batch's Merkle root")
    tx_hash: str | None = TxHash
    block_number: SafeInt | None = None


class PlacedAuditEvent(AuditEvent):
    anchor: EventAnchor


class ContractEvents(BaseModel):
    contract_id: Uuid
    events: list[PlacedAuditEvent]
    next_after: int | None = Field(description=(
        "Pass as ``after`` for the next page; null when this page is the last"))


class VerificationCheck(BaseModel):
    name: str = Field(description=(
        "Stable: audit_chain, audit_chain.event[N], audit_chain.head, history, snapshot, "
        "snapshot.<field>, digest, signature:<did>, anchoring, anchor:event[N], status_slot"))
    ok: bool
    detail: str


class VerificationReport(BaseModel):
    contract_id: Uuid
    valid: bool = Field(description="Every check passed")
    status: ContractStatus | None = Field(description="null: the stored contract is unreadable")
    digest: Sha256Hex | None
    checked_at: Instant
    checks: list[VerificationCheck]


class ReceiptAnchor(BaseModel):
    batch: SafeInt
    anchor_seq: SafeInt
    proof: InclusionProof


class ReceiptEvent(AuditEvent):
    anchor: ReceiptAnchor | None = Field(description="null: not anchored when issued")


class ReceiptBatch(BaseModel):
    first_seq: SafeInt
    count: SafeInt
    root: Sha256Hex
    tx_hash: str = TxHash
    block_number: SafeInt


class ReceiptLedger(BaseModel):
    chain_id: SafeInt
    address: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$", description="EIP-55 checksummed")


class Receipt(BaseModel):
    """Everything needed to verify a contract offline against the chain, served as RFC 8785
    canonical JSON: keep the bytes as they are (``cms verify-receipt`` requires that form)."""

    format: Literal["cms-receipt/v1"]
    contract: Contract
    events: list[ReceiptEvent]
    batches: list[ReceiptBatch]
    ledger: ReceiptLedger
