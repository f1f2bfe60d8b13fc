"""The ledger this deployment anchors on, and how anchoring is doing."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field

from cms.api.schemas.common import Instant, SafeInt, Sha256Hex
from cms.ports.ledger import RECENT_BATCHES_LIMIT
from cms.services.ledger_status import PENDING_COUNT_LIMIT

Address = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{40}$",
                               description="An Ethereum address (EIP-55 case)")]
ChainId = Annotated[int, Field(ge=1, le=2**53 - 1)]
Count = Annotated[int, Field(ge=0, le=2**53 - 1)]
TxHash = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{64}$")]


def _decimal_text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


# Wei amounts exceed what a JSON number carries exactly: decimal strings, up to uint256.
Wei = Annotated[str, BeforeValidator(_decimal_text),
                Field(pattern=r"^[0-9]{1,78}$", description="A decimal string, in wei")]


class Ledger(BaseModel):
    chain_id: ChainId
    address: Address = Field(description="The ContractLedger contract")
    pin: str = Field(pattern=r"^[0-9]+:0x[0-9a-fA-F]{40}$", description=(
        "CHAIN_ID:ADDRESS, what receipt verifiers pass as --ledger"))


class UnanchoredEvents(BaseModel):
    count: int = Field(ge=0, le=PENDING_COUNT_LIMIT, description=(
        f"Audit events waiting for an anchor (counted up to {PENDING_COUNT_LIMIT:,})"))
    count_capped: bool = Field(description="There may be more than count")
    oldest_at: Instant | None
    age_s: float = Field(ge=0, description="Age of the oldest, in seconds (the lag alarm's "
                                           "metric); 0 when none waits")


class LedgerBatch(BaseModel):
    """The last batch of events whose Merkle root the chain holds, confirmed."""

    first_seq: Count
    last_seq: Count
    count: Count
    root: Sha256Hex
    tx_hash: TxHash | None
    block_number: Count | None


class LedgerStatusProblem(BaseModel):
    code: str = Field(description="ledger_misconfigured, ledger_unavailable, "
                                  "dependency_unavailable…")
    detail: str


class LedgerStatus(BaseModel):
    """What is known; chain fields are null when the chain or its configuration is not
    there, and ``problem`` says why."""

    configured: bool
    reachable: bool
    chain_id: ChainId | None
    ledger_address: Address | None
    signer_address: Address | None
    confirmations_required: SafeInt | None = Field(ge=0)
    signer_balance_wei: Wei | None
    next_seq: Count | None = Field(description="The chain's next free anchoring sequence "
                                               "number")
    block_number: Count | None
    last_batch: LedgerBatch | None
    unanchored: UnanchoredEvents
    problem: LedgerStatusProblem | None
    min_signer_balance_wei: Wei | None = Field(description=(
        "Below this balance the health check reports the ledger degraded (and alarms): the "
        "signer needs funds to keep anchoring"))


class ConfirmedLedgerBatch(LedgerBatch):
    """A batch the chain holds, confirmed, with its times and its anchoring lag."""

    prepared_at: Instant = Field(description="When the batch was prepared (before its "
                                             "transaction was sent)")
    confirmed_at: Instant = Field(description="When the chain held its root with the "
                                              "required confirmations")
    oldest_event_at: Instant | None = Field(description=(
        "When its oldest event (the first leaf) was written; null if it cannot be read"))
    lag_s: float | None = Field(ge=0, le=2**53 - 1, description=(
        "Anchoring lag: seconds from oldest_event_at to confirmed_at; null if unknown"))


class LedgerBatchList(BaseModel):
    """The most recent confirmed batches, newest first."""

    batches: list[ConfirmedLedgerBatch] = Field(max_length=RECENT_BATCHES_LIMIT)
