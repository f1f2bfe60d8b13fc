"""Webhooks, their deliveries, the queue of delivery attempts, and the HTTPS client that
makes them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from cms.domain.webhooks import (
    AttemptMessage,
    Delivery,
    DeliveryStatus,
    Webhook,
    WebhookStatus,
)


@dataclass(frozen=True)
class DeliveryPage:
    items: list[Delivery]
    next_cursor: str | None  # the last id handed out, when there may be more


class WebhookStore(Protocol):
    """Conditional writes raise ``WriteConflict``; reads are consistent."""

    def add(self, webhook: Webhook) -> None:
        """A new webhook (WriteConflict if its id is taken)."""

    def count(self, owner_did: str) -> int: ...

    def owned_by(self, owner_did: str) -> list[Webhook]: ...

    def get(self, owner_did: str, webhook_id: str) -> Webhook | None: ...

    def delete(self, owner_did: str, webhook_id: str) -> bool:
        """False if the owner had no such webhook. Its deliveries stay (they are dropped at
        their next attempt, and age out)."""

    def set_status(self, owner_did: str, webhook_id: str,
                   status: WebhookStatus) -> Webhook | None:
        """The webhook with ``status`` (changing that one attribute only), or None if the
        owner has no such webhook."""

    def set_secret(self, owner_did: str, webhook_id: str, secret: str) -> Webhook | None:
        """The webhook with ``secret`` in place of the old one (that attribute only), or None
        if the owner has no such webhook. Attempts read the webhook each time, so every
        attempt after this call signs with the new secret."""

    def active_for(self, dids: Iterable[str]) -> list[Webhook]:
        """Every active webhook of these owners."""

    def create_delivery(self, delivery: Delivery) -> tuple[Delivery, bool]:
        """Store ``delivery`` unless its event already has one for this webhook; returns the
        stored delivery and whether it is new (so a redelivered event finds its delivery)."""

    def get_delivery(self, webhook_id: str, delivery_id: str) -> Delivery | None: ...

    def record(self, delivery: Delivery, *, expected_attempts: int,
               expected_status: DeliveryStatus) -> None:
        """Replace the delivery if it is still as the caller read it (WriteConflict if not,
        or if there is no such delivery)."""

    def deliveries(self, webhook_id: str, before: str | None, limit: int) -> DeliveryPage:
        """Newest first, ids below ``before`` (any string is a position: ids sort by time)."""


class DeliveryQueue(Protocol):
    def send(self, message: AttemptMessage, delay_s: int = 0) -> None:
        """Enqueue an attempt, visible after ``delay_s`` seconds (0 to 900, clipped);
        DependencyUnavailable if the queue cannot take it."""


class WebhookHttp(Protocol):
    """The SSRF-safe HTTPS client (cms.adapters.safe_https.SafeHttpsClient): failures raise
    HttpsRequestFailed."""

    def vet(self, url: str) -> list[str]:
        """The addresses ``url``'s host resolves to, if every one may be reached."""

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        """POST to a vetted address, no redirects followed; the status code."""
