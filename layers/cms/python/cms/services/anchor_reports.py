"""The anchor function's report after each run: its heartbeat (what the health check reads)
and the figures its metrics carry (the lag alarm's and the low-balance alarm's)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from cms.domain.canonical import iso_utc, utc_now
from cms.domain.errors import DomainError
from cms.domain.health import AnchorReport
from cms.ports.heartbeats import Heartbeats
from cms.ports.ledger import AnchoringProgress, LedgerConnection

log = logging.getLogger("cms.anchoring")


class AnchorReports:
    def __init__(self, progress: AnchoringProgress, ledger: Callable[[], LedgerConnection],
                 heartbeats: Heartbeats, clock: Callable[[], datetime] = utc_now) -> None:
        self._progress = progress
        self._ledger = ledger  # built per report: the configuration may be what is wrong
        self._heartbeats = heartbeats
        self._clock = clock

    def report(self, skipped: str | None = None) -> AnchorReport:
        """Record the run (``skipped``: why it did not anchor, a problem code). What cannot be
        read is left out; a heartbeat that cannot be written is logged: the next run's may."""
        _, oldest = self._progress.pending_count_and_oldest(limit=1)
        report = AnchorReport(iso_utc(self._clock()), skipped, oldest, *self._signer())
        try:
            self._heartbeats.beat(report.heartbeat())
        except DomainError as error:
            log.warning("the anchor heartbeat was not recorded: %s", error.detail)
        return report

    def _signer(self) -> tuple[str | None, int | None, int | None]:
        """The signer's address and balance and the latest block, as far as the chain says."""
        address = balance = block = None
        try:
            client = self._ledger()
            address = client.signer.address
            balance = client.balance()
            block = client.block_number()
        except DomainError as error:
            log.warning("the signer's balance is unknown: %s", error.detail)
        return address, balance, block
