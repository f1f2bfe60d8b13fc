"""Webhooks, their deliveries and the attempts queue in memory (the ports:
cms.ports.webhooks)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from cms.domain.webhooks import (
    DELIVERY_ID,
    MAX_DELAY_S,
    AttemptMessage,
    Delivery,
    DeliveryStatus,
    Webhook,
    WebhookStatus,
)
from cms.ports.errors import WriteConflict
from cms.ports.webhooks import DeliveryPage

# The listing bound as on DynamoDB: every delivery id starts with a digit, and the event
# markers there sort after "~".
_ABOVE_EVERY_ID = "~"


class MemoryWebhookStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._webhooks: dict[tuple[str, str], Webhook] = {}
        self._deliveries: dict[str, dict[str, Delivery]] = {}
        self._by_event: dict[tuple[str, str], str] = {}  # (webhook, event) -> delivery id

    # ------------------------------------------------------------ webhooks

    def add(self, webhook: Webhook) -> None:
        with self._lock:
            key = (webhook.owner_did, webhook.webhook_id)
            if key in self._webhooks:
                raise WriteConflict(f"webhook {webhook.webhook_id} exists")
            self._webhooks[key] = webhook

    def count(self, owner_did: str) -> int:
        return len(self.owned_by(owner_did))

    def owned_by(self, owner_did: str) -> list[Webhook]:
        with self._lock:
            return [webhook for (owner, _), webhook in sorted(self._webhooks.items())
                    if owner == owner_did]

    def get(self, owner_did: str, webhook_id: str) -> Webhook | None:
        with self._lock:
            return self._webhooks.get((owner_did, webhook_id))

    def delete(self, owner_did: str, webhook_id: str) -> bool:
        with self._lock:
            return self._webhooks.pop((owner_did, webhook_id), None) is not None

    def set_status(self, owner_did: str, webhook_id: str,
                   status: WebhookStatus) -> Webhook | None:
        return self._change(owner_did, webhook_id, status=status)

    def set_secret(self, owner_did: str, webhook_id: str, secret: str) -> Webhook | None:
        return self._change(owner_did, webhook_id, secret=secret)

    def _change(self, owner_did: str, webhook_id: str, **changes: Any) -> Webhook | None:
        with self._lock:
            current = self._webhooks.get((owner_did, webhook_id))
            if current is None:
                return None
            changed = self._webhooks[(owner_did, webhook_id)] = replace(current, **changes)
            return changed

    def active_for(self, dids: Iterable[str]) -> list[Webhook]:
        return [webhook for did in dict.fromkeys(dids) for webhook in self.owned_by(did)
                if webhook.status is WebhookStatus.ACTIVE]

    # ------------------------------------------------------------ deliveries

    def create_delivery(self, delivery: Delivery) -> tuple[Delivery, bool]:
        with self._lock:
            marker = (delivery.webhook_id, delivery.event_id)
            existing = self._by_event.get(marker)
            if existing is not None:
                return self._deliveries[delivery.webhook_id][existing], False
            deliveries = self._deliveries.setdefault(delivery.webhook_id, {})
            if delivery.delivery_id in deliveries:
                raise WriteConflict(f"delivery {delivery.delivery_id} exists")
            deliveries[delivery.delivery_id] = delivery
            self._by_event[marker] = delivery.delivery_id
            return delivery, True

    def get_delivery(self, webhook_id: str, delivery_id: str) -> Delivery | None:
        if not DELIVERY_ID.fullmatch(delivery_id):
            return None
        with self._lock:
            return self._deliveries.get(webhook_id, {}).get(delivery_id)

    def record(self, delivery: Delivery, *, expected_attempts: int,
               expected_status: DeliveryStatus) -> None:
        with self._lock:
            deliveries = self._deliveries.get(delivery.webhook_id, {})
            current = deliveries.get(delivery.delivery_id)
            if current is None or (current.attempts, current.status) != (expected_attempts,
                                                                          expected_status):
                raise WriteConflict(f"delivery {delivery.delivery_id} changed meanwhile")
            deliveries[delivery.delivery_id] = delivery

    def deliveries(self, webhook_id: str, before: str | None, limit: int) -> DeliveryPage:
        bound = before if before is not None and before < _ABOVE_EVERY_ID else _ABOVE_EVERY_ID
        with self._lock:
            ids = sorted((delivery_id for delivery_id in self._deliveries.get(webhook_id, {})
                          if delivery_id < bound), reverse=True)
            page = [self._deliveries[webhook_id][delivery_id] for delivery_id in ids[:limit]]
        return DeliveryPage(page, page[-1].delivery_id if len(ids) > limit else None)


@dataclass(frozen=True)
class QueuedAttempt:
    message: AttemptMessage
    delay_s: int
    visible_at: float


class MemoryDeliveryQueue:
    """Messages become visible ``delay_s`` seconds after they are sent, by ``clock``."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._waiting: list[QueuedAttempt] = []
        self.sent: list[QueuedAttempt] = []  # everything ever sent, for tests to read

    def send(self, message: AttemptMessage, delay_s: int = 0) -> None:
        delay = max(0, min(int(delay_s), MAX_DELAY_S))
        queued = QueuedAttempt(message, delay, self._clock() + delay)
        with self._lock:
            self._waiting.append(queued)
            self.sent.append(queued)

    def receive(self) -> list[AttemptMessage]:
        """The visible messages, taken off the queue (as a consumer deleting them would)."""
        now = self._clock()
        with self._lock:
            visible = [queued for queued in self._waiting if queued.visible_at <= now]
            self._waiting = [queued for queued in self._waiting if queued.visible_at > now]
        return [queued.message for queued in visible]

    def delayed(self) -> int:
        now = self._clock()
        with self._lock:
            return sum(1 for queued in self._waiting if queued.visible_at > now)
