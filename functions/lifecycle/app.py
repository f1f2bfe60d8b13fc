"""Lifecycle function (scheduled): expires contracts whose validity has ended."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer

from cms.api.observability import count, metrics
from cms.services import container

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    expired = container.contracts().expire_due()
    count("ContractsExpired", len(expired))
    if expired:
        logger.info("expired contracts", extra={"contract_ids": expired})
    return {"expired": expired}
