"""What the ledger status reads: the anchoring queue's progress and the chain."""

from __future__ import annotations

from typing import Protocol

from cms.domain.anchoring import Batch


class AnchoringProgress(Protocol):
    """The read side of anchoring (the anchor store's queue of events and its batches)."""

    def pending_count_and_oldest(self, limit: int = 1000) -> tuple[int, str | None]:
        """How many events wait for an anchor (counted up to ``limit``) and when the oldest
        was written."""

    def last_final(self) -> Batch | None:
        """The most recent batch whose root the chain holds with enough confirmations."""


class LedgerSettings(Protocol):
    chain_id: int
    address: str
    confirmations: int


class LedgerSigner(Protocol):
    @property
    def address(self) -> str: ...


class LedgerConnection(Protocol):
    """A ledger client with its signer (cms.adapters.ledger_client.LedgerClient). Failures
    raise DomainErrors (LedgerUnavailable, LedgerMisconfigured)."""

    config: LedgerSettings

    @property
    def signer(self) -> LedgerSigner: ...

    def check(self) -> None:
        """LedgerMisconfigured unless the endpoint serves the configured chain and holds the
        contract."""

    def balance(self) -> int:
        """The signer's balance, in wei."""

    def next_seq(self) -> int: ...

    def block_number(self) -> int: ...


class ChainReads(Protocol):
    """What the health check asks of the chain (a read-only ledger client). Failures raise
    DomainErrors (LedgerUnavailable, LedgerMisconfigured)."""

    config: LedgerSettings

    def check(self) -> None:
        """LedgerMisconfigured unless the endpoint serves the configured chain and holds the
        contract."""

    def block_number(self) -> int: ...

    def balance_of(self, address: str) -> int:
        """An account's balance, in wei."""
