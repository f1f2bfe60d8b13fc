"""Anchor function (scheduled, one at a time): batches un-anchored audit events into Merkle
roots on the ledger and settles their proofs. A run that finds the chain down just ends;
the events wait and the next run catches up."""

from __future__ import annotations

from typing import Any

from cms.adapters.anchor_store import AnchorStore
from cms.adapters.ledger_client import LedgerMisconfigured, LedgerUnavailable
from cms.api.observability import count, instrumented, logger, seconds
from cms.domain.canonical import parse_iso, utc_now
from cms.runtime import FunctionRuntime

runtime = FunctionRuntime()


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        steps = runtime.services.anchoring().run()
    except (LedgerMisconfigured, LedgerUnavailable) as error:
        logger.warning("anchoring skipped", extra={"code": error.code, "detail": error.detail})
        count("AnchoringSkipped")
        return {"skipped": error.code}
    finally:
        _report_lag()
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


def _report_lag() -> None:
    """Age of the oldest event still waiting for its anchor (the lag alarm's metric)."""
    _, oldest = AnchorStore().pending_count_and_oldest(limit=1)
    age = (utc_now() - parse_iso(oldest)).total_seconds() if oldest else 0.0
    seconds("UnanchoredAgeSeconds", age)
