"""``GET /api/v1/ledger/status``: is anchoring healthy? Reports what it can even when the
chain or its configuration is not there (that is exactly when an operator asks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cms.adapters.anchor_store import PENDING_COUNT_LIMIT, AnchorStore
from cms.domain.canonical import parse_iso, utc_now
from cms.domain.errors import DomainError

if TYPE_CHECKING:
    from cms.adapters.ledger_client import LedgerClient


def ledger_status(store: AnchorStore, ledger: Callable[[], LedgerClient]) -> dict[str, Any]:
    count, oldest = store.pending_count_and_oldest()
    report: dict[str, Any] = {
        "unanchored": {
            "count": count, "count_capped": count >= PENDING_COUNT_LIMIT, "oldest_at": oldest,
            "age_s": round((utc_now() - parse_iso(oldest)).total_seconds(), 1) if oldest else 0,
        },
        "last_batch": _batch_json(store.last_final()),
    }
    try:
        client = ledger()
        report.update({"configured": True, "chain_id": client.config.chain_id,
                       "ledger_address": client.config.address,
                       "signer_address": client.signer.address,
                       "confirmations_required": client.config.confirmations})
        client.check()
        report.update({"reachable": True, "signer_balance_wei": str(client.balance()),
                       "next_seq": client.next_seq(), "block_number": client.block_number()})
    except DomainError as error:
        report.setdefault("configured", error.code != "ledger_misconfigured")
        report.update({"reachable": False, "problem": {"code": error.code,
                                                       "detail": error.detail}})
    return report


def _batch_json(batch: Any) -> dict[str, Any] | None:
    if batch is None:
        return None
    return {"first_seq": batch.first_seq, "last_seq": batch.last_seq, "count": batch.count,
            "root": batch.root, "tx_hash": batch.tx_hash, "block_number": batch.block_number}
