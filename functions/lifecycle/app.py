"""Lifecycle function (scheduled): expires contracts whose validity has ended."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer

from cms.services import container

logger = Logger()
metrics = Metrics()
tracer = Tracer()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    expired = container.contracts().expire_due()
    metrics.add_metric(name="ContractsExpired", unit="Count", value=len(expired))
    if expired:
        logger.info("expired contracts", extra={"contract_ids": expired})
    return {"expired": expired}
