"""Anchor function (scheduled, one at a time): batches un-anchored audit events into Merkle
roots on the ledger and settles their proofs. A run that finds the chain down just ends;
the events wait and the next run catches up."""

from __future__ import annotations

from typing import Any

from cms.adapters.ledger_client import LedgerMisconfigured, LedgerUnavailable
from cms.api.observability import count, instrumented, logger, measure, seconds
from cms.domain.canonical import utc_now
from cms.runtime import FunctionRuntime

runtime = FunctionRuntime()


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    skipped: str | None = "run_failed"  # until the run ends: an error the function raises
    try:
        steps = runtime.services.anchoring().run()
        skipped = None
    except (LedgerMisconfigured, LedgerUnavailable) as error:
        logger.warning("anchoring skipped", extra={"code": error.code, "detail": error.detail})
        count("AnchoringSkipped")
        skipped = error.code
        return {"skipped": error.code}
    finally:
        _report(skipped)
    anchored = sum(s.batch.count for s in steps if s.action == "finalized" and s.batch)
    count("AnchoredEvents", anchored)
    reverted = [s.batch.tx_hash for s in steps if s.action == "resent after revert" and s.batch]
    if reverted:
        # Sent again at once; if it keeps reverting (a gas limit too low in the ledger
        # parameter), the lag alarm fires and this log says why.
        logger.error("an anchor transaction reverted; sent again", extra={"resent": reverted})
        count("AnchorTransactionsReverted", len(reverted))
    return {"steps": [{"action": s.action,
                       "first_seq": s.batch.first_seq if s.batch else None} for s in steps]}


def _report(skipped: str | None) -> None:
    """The run's heartbeat (what /health reads) and the alarms' metrics: the age of the oldest
    event still waiting for its anchor, and the signer's balance."""
    report = runtime.services.anchor_reports.report(skipped)
    seconds("UnanchoredAgeSeconds", report.lag_s(utc_now()))
    if report.signer_balance_wei is not None:
        measure("SignerBalanceWei", float(report.signer_balance_wei))
