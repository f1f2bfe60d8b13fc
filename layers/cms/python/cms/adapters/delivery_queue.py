"""The SQS queue of webhook delivery attempts: a message per attempt, delayed by the backoff.

A delay is how a failed delivery waits for its next try, so no attempt needs a scheduler;
SQS caps a delay at 15 minutes, which is the longest step of the schedule.
"""

from __future__ import annotations

import json

from cms.adapters.aws import attempt, client
from cms.domain.errors import DependencyUnavailable
from cms.domain.webhooks import MAX_DELAY_S, AttemptMessage


class SqsDeliveryQueue:
    def __init__(self, queue_url: str | None) -> None:
        self.url = queue_url

    def send(self, message: AttemptMessage, delay_s: int = 0) -> None:
        """Enqueue ``message`` (JSON) to become visible after ``delay_s`` seconds; an SQS
        failure is DependencyUnavailable."""
        if not self.url:
            raise DependencyUnavailable("no webhook deliveries queue is configured")
        body = json.dumps(message.to_json(), separators=(",", ":"), sort_keys=True)
        delay = max(0, min(int(delay_s), MAX_DELAY_S))
        attempt("enqueue a webhook delivery", lambda: client("sqs").send_message(
            QueueUrl=self.url, MessageBody=body, DelaySeconds=delay))
