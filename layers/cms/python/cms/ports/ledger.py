"""What the ledger status reads: the anchoring queue's progress and the chain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cms.domain.anchoring import Batch

RECENT_BATCHES_LIMIT = 50  # one query and one batch read of as many events, at most


@dataclass(frozen=True)
class ConfirmedBatch:
    """A final batch with its times: when it was prepared, when the chain held it with
    enough confirmations, and when its oldest event was written (its first leaf: a batch
    takes the queue oldest first); None if that event cannot be read."""

    batch: Batch
    prepared_at: str
    confirmed_at: str
    oldest_event_at: str | None


class AnchoringProgress(Protocol):
    """The read side of anchoring (the anchor store's queue of events and its batches)."""

    def pending_count_and_oldest(self, limit: int = 1000) -> tuple[int, str | None]:
        """How many events wait for an anchor (counted up to ``limit``) and when the oldest
        was written."""

    def last_final(self) -> Batch | None:
        """The most recent batch whose root the chain holds with enough confirmations."""

    def recent_final(self, limit: int) -> list[ConfirmedBatch]:
        """The ``limit`` (at most RECENT_BATCHES_LIMIT) most recent final batches, newest
        first, with their times."""


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
