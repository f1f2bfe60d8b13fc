"""Lifecycle function (scheduled): expires contracts whose validity has ended."""

from __future__ import annotations

from typing import Any

from cms.api.observability import count, instrumented, logger
from cms.services import container


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    expired = container.contracts().expire_due()
    count("ContractsExpired", len(expired))
    if expired:
        logger.info("expired contracts", extra={"contract_ids": expired})
    return {"expired": expired}
