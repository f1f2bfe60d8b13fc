"""Deliveries function: webhook fan-out and delivery attempts.

Two sources: contract events from the platform's EventBridge bus (source ``cms.contracts``)
become one delivery per interested webhook; SQS messages from the deliveries queue are
attempts. A failed HTTP delivery is retried by enqueueing the next attempt with its backoff,
never by SQS redrive: only infrastructure failures are reported as batch item failures, so
SQS redelivers those messages (and dead-letters them after its receive limit).
"""

from __future__ import annotations

import json
from typing import Any

from cms.api.observability import count, instrumented, logger
from cms.domain.webhooks import AttemptMessage, ContractEvent
from cms.runtime import FunctionRuntime
from cms.services.webhooks import Outcome

runtime = FunctionRuntime()

# Leave the rest of a batch to SQS rather than be cut off mid-attempt (one takes <= ~10 s).
TIME_RESERVE_MS = 15_000

_OUTCOME_METRICS = {
    Outcome.SUCCEEDED: "WebhookDeliveriesSucceeded",
    Outcome.RETRYING: "WebhookDeliveriesRetried",
    Outcome.DEAD: "WebhookDeliveriesDead",
    Outcome.DROPPED: "WebhookDeliveriesDropped",
    Outcome.STALE: "WebhookMessagesStale",
}


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("source") == "cms.contracts":
        return _fan_out(event)
    records = event.get("Records")
    if isinstance(records, list) and all(
            isinstance(r, dict) and r.get("eventSource") == "aws:sqs" for r in records):
        return _attempts(records, context)
    logger.warning("ignored event", extra={"source": event.get("source"),
                                           "detail_type": event.get("detail-type")})
    return {"ignored": True}


def _fan_out(event: dict[str, Any]) -> dict[str, Any]:
    """Infrastructure failures raise: the asynchronous invocation is retried, and a retry
    finds the deliveries already made."""
    try:
        contract_event = ContractEvent.from_bus(event)
    except ValueError as error:  # retrying would not make it well-formed
        logger.warning("malformed contract event", extra={"reason": str(error),
                                                          "event_id": event.get("id")})
        return {"ignored": True}
    queued = runtime.services.webhooks.fan_out(contract_event)
    count("WebhookDeliveriesQueued", len(queued))
    return {"event_id": contract_event.event_id, "deliveries": len(queued)}


def _attempts(records: list[dict[str, Any]], context: Any) -> dict[str, Any]:
    failures = []
    for index, record in enumerate(records):
        if _out_of_time(context):
            failures.extend({"itemIdentifier": r.get("messageId")} for r in records[index:])
            break
        if not _attempt(record):
            failures.append({"itemIdentifier": record.get("messageId")})
    return {"batchItemFailures": failures}


def _attempt(record: dict[str, Any]) -> bool:
    """False if SQS should deliver the message again (an infrastructure failure)."""
    try:
        message = AttemptMessage.from_json(json.loads(record.get("body") or ""))
    except ValueError as error:  # not ours or corrupt: redelivery would not help
        logger.warning("malformed delivery message", extra={"reason": str(error),
                                                            "message_id": record.get("messageId")})
        return True
    try:
        outcome = runtime.services.webhooks.attempt(message)
    except Exception:  # DynamoDB or SQS unavailable, or a bug: SQS retries, then dead-letters
        logger.exception("delivery attempt failed", extra={"delivery_id": message.delivery_id})
        return False
    count(_OUTCOME_METRICS[outcome])
    return True


def _out_of_time(context: Any) -> bool:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return remaining is not None and remaining() < TIME_RESERVE_MS
