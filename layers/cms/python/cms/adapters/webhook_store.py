"""Webhooks and their deliveries in DynamoDB.

A delivery is created at most once per (webhook, event): beside it, in the same transaction,
goes a marker item keyed by the event id (``~event#<event_id>``, conditioned on not
existing) that names the delivery. Event ids are not time-ordered, so the marker, not the
delivery's own (time-ordered) key, is what makes a redelivered event find its delivery.
Markers sort after every delivery id, so listings never see them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pynamodb.exceptions import PynamoDBConnectionError
from pynamodb.expressions.update import Action

from cms.adapters.dynamo import transaction, unavailable_on_connection_errors
from cms.adapters.tables import DeliveryRecord, WebhookRecord
from cms.domain.canonical import parse_iso
from cms.domain.errors import DependencyUnavailable
from cms.domain.webhooks import (
    DELIVERY_ID,
    Delivery,
    DeliveryStatus,
    Webhook,
    WebhookStatus,
)
from cms.ports.errors import WriteConflict
from cms.ports.webhooks import DeliveryPage

MARKER_PREFIX = "~event#"  # "~" sorts after the digits every delivery id starts with
MARKER_STATUS = "marker"
RETENTION = timedelta(days=30)

T = TypeVar("T")


def listing_bound(before: str | None) -> str:
    """The exclusive upper bound of a newest-first page: below ``before``, and always below
    the markers, so any position a client names lists deliveries only."""
    return before if before is not None and before < MARKER_PREFIX else MARKER_PREFIX


class DynamoWebhookStore:
    def __init__(self, retention: timedelta = RETENTION) -> None:
        self._retention = retention

    # ------------------------------------------------------------ webhooks

    def add(self, webhook: Webhook) -> None:
        record = _webhook_record(webhook)
        _conditional(lambda: record.save(condition=WebhookRecord.webhook_id.does_not_exist()))

    def count(self, owner_did: str) -> int:
        return unavailable_on_connection_errors(
            lambda: WebhookRecord.count(owner_did, consistent_read=True))

    def owned_by(self, owner_did: str) -> list[Webhook]:
        return unavailable_on_connection_errors(
            lambda: [_webhook(r) for r in WebhookRecord.query(owner_did, consistent_read=True)])

    def get(self, owner_did: str, webhook_id: str) -> Webhook | None:
        def read() -> Webhook | None:
            try:
                return _webhook(WebhookRecord.get(owner_did, webhook_id, consistent_read=True))
            except WebhookRecord.DoesNotExist:
                return None

        return unavailable_on_connection_errors(read)

    def delete(self, owner_did: str, webhook_id: str) -> bool:
        """False if there was no such webhook."""
        record = WebhookRecord(owner_did, webhook_id)
        try:
            _conditional(lambda: record.delete(condition=WebhookRecord.webhook_id.exists()))
        except WriteConflict:
            return False
        return True

    def set_status(self, owner_did: str, webhook_id: str,
                   status: WebhookStatus) -> Webhook | None:
        return self._update(owner_did, webhook_id, WebhookRecord.status.set(status.value))

    def set_secret(self, owner_did: str, webhook_id: str, secret: str) -> Webhook | None:
        return self._update(owner_did, webhook_id, WebhookRecord.secret.set(secret))

    def _update(self, owner_did: str, webhook_id: str, action: Action) -> Webhook | None:
        """One attribute set in place (a concurrent change of another one is kept); the
        record as it now is, or None if there is no such webhook."""
        record = WebhookRecord(owner_did, webhook_id)
        try:
            _conditional(lambda: record.update(actions=[action],
                                               condition=WebhookRecord.webhook_id.exists()))
        except WriteConflict:
            return None
        return _webhook(record)  # update() loads every attribute of the stored item

    def active_for(self, dids: Iterable[str]) -> list[Webhook]:
        """Every active webhook of these owners. A strongly consistent read: a webhook
        disabled (or deleted) by a request that has already been answered gets no new delivery,
        as the API promises, instead of one made from a stale read and dropped as dead."""
        found: list[Webhook] = []
        for did in dict.fromkeys(dids):
            query = WebhookRecord.query(
                did, filter_condition=WebhookRecord.status == WebhookStatus.ACTIVE.value,
                consistent_read=True)
            found.extend(unavailable_on_connection_errors(lambda q=query: [_webhook(r)
                                                                          for r in q]))
        return found

    # ------------------------------------------------------------ deliveries

    def create_delivery(self, delivery: Delivery) -> tuple[Delivery, bool]:
        """Store ``delivery`` unless its event already has one for this webhook; returns the
        stored delivery and whether it is new."""
        marker = self._marker(delivery)
        record = self._delivery_record(delivery)
        try:
            with transaction() as tx:
                tx.save(marker, condition=DeliveryRecord.delivery_id.does_not_exist())
                tx.save(record, condition=DeliveryRecord.delivery_id.does_not_exist())
        except WriteConflict:
            existing = self._delivery_of_event(delivery.webhook_id, delivery.event_id)
            if existing is None:  # the other writer's transaction is still in flight
                raise DependencyUnavailable("a concurrent fan-out holds this event") from None
            return existing, False
        return delivery, True

    def get_delivery(self, webhook_id: str, delivery_id: str) -> Delivery | None:
        if not DELIVERY_ID.fullmatch(delivery_id):
            return None
        record = self._get(webhook_id, delivery_id)
        return None if record is None else _delivery(record)

    def record(self, delivery: Delivery, *, expected_attempts: int,
               expected_status: DeliveryStatus) -> None:
        """Replace the delivery if it is still as the caller read it; WriteConflict if not
        (a duplicate message got there first)."""
        record = self._delivery_record(delivery)
        condition = ((DeliveryRecord.attempts == expected_attempts)
                     & (DeliveryRecord.status == expected_status.value))
        _conditional(lambda: record.save(condition=condition))

    def deliveries(self, webhook_id: str, before: str | None, limit: int) -> DeliveryPage:
        """Newest first, below ``before`` (the last id of the previous page); the partition
        always comes from the caller's own webhook, never from the cursor."""
        query = DeliveryRecord.query(
            webhook_id, DeliveryRecord.delivery_id < listing_bound(before),
            scan_index_forward=False, limit=limit + 1)
        items = unavailable_on_connection_errors(lambda: [_delivery(r) for r in query])
        page = items[:limit]
        return DeliveryPage(page, page[-1].delivery_id if len(items) > limit else None)

    # ------------------------------------------------------------ internals

    def _get(self, webhook_id: str, delivery_id: str) -> DeliveryRecord | None:
        def read() -> DeliveryRecord | None:
            try:
                return DeliveryRecord.get(webhook_id, delivery_id, consistent_read=True)
            except DeliveryRecord.DoesNotExist:
                return None

        return unavailable_on_connection_errors(read)

    def _delivery_of_event(self, webhook_id: str, event_id: str) -> Delivery | None:
        marker = self._get(webhook_id, MARKER_PREFIX + event_id)
        delivery_id = (marker.payload or {}).get("delivery_id") if marker else None
        return self.get_delivery(webhook_id, delivery_id) if delivery_id else None

    def _expiry(self, delivery: Delivery) -> datetime:
        return parse_iso(delivery.updated_at) + self._retention

    def _marker(self, delivery: Delivery) -> DeliveryRecord:
        return DeliveryRecord(
            delivery.webhook_id, MARKER_PREFIX + delivery.event_id,
            owner_did=delivery.owner_did, event_id=delivery.event_id,
            event_type=delivery.event_type, payload={"delivery_id": delivery.delivery_id},
            status=MARKER_STATUS, attempts=0, created_at=delivery.created_at,
            updated_at=delivery.updated_at, ttl=self._expiry(delivery))

    def _delivery_record(self, delivery: Delivery) -> DeliveryRecord:
        return DeliveryRecord(
            delivery.webhook_id, delivery.delivery_id, owner_did=delivery.owner_did,
            event_id=delivery.event_id, event_type=delivery.event_type,
            payload=delivery.payload, status=delivery.status.value, attempts=delivery.attempts,
            last_status_code=delivery.last_status_code, last_error=delivery.last_error,
            next_attempt_at=delivery.next_attempt_at, created_at=delivery.created_at,
            updated_at=delivery.updated_at, ttl=self._expiry(delivery))


def _conditional(call: Callable[[], T]) -> T:
    """A conditional write whose lost condition is a WriteConflict, not an outage."""
    try:
        return unavailable_on_connection_errors(call)
    except PynamoDBConnectionError as error:  # only a failed condition gets this far
        raise WriteConflict(str(error)) from error


def _webhook_record(webhook: Webhook) -> WebhookRecord:
    return WebhookRecord(
        webhook.owner_did, webhook.webhook_id, url=webhook.url, secret=webhook.secret,
        event_types=list(webhook.event_types), status=webhook.status.value,
        created_at=webhook.created_at)


def _webhook(record: WebhookRecord) -> Webhook:
    return Webhook(
        webhook_id=record.webhook_id, owner_did=record.owner_did, url=record.url,
        secret=record.secret, event_types=tuple(record.event_types or ()),
        status=WebhookStatus(record.status), created_at=record.created_at)


def _delivery(record: DeliveryRecord) -> Delivery:
    payload: Any = record.payload
    return Delivery(
        webhook_id=record.webhook_id, delivery_id=record.delivery_id,
        owner_did=record.owner_did, event_id=record.event_id, event_type=record.event_type,
        payload=payload, created_at=record.created_at, updated_at=record.updated_at,
        status=DeliveryStatus(record.status), attempts=int(record.attempts),
        last_status_code=(None if record.last_status_code is None
                          else int(record.last_status_code)),
        last_error=record.last_error, next_attempt_at=record.next_attempt_at)
