"""What reading a contract's evidence needs of the anchoring: the batch records, and what
the chain itself says of a root and of a contract's status slot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # verification loads the DID and signature libraries
    from cms.domain.anchoring import Batch
    from cms.domain.verification import ChainAnchor, ChainSlot


class AnchorBatches(Protocol):
    def get(self, first_seq: int) -> Batch | None:
        """The batch that starts at global anchoring sequence number ``first_seq``."""


class LedgerReads(Protocol):
    """The ledger contract, read only (no signer)."""

    def anchor_of(self, root: str) -> ChainAnchor | None:
        """Where the chain recorded ``root`` (hex), or None if it never did."""

    def status_of(self, contract_id: str) -> ChainSlot | None:
        """The contract's status slot, or None before its first significant state."""
