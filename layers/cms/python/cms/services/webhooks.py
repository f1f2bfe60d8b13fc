"""Webhook use cases: registration, fan-out of contract events, attempts, replay.

Delivery is at least once. Each attempt is an SQS message naming the delivery and the
attempt number; a message whose number no longer matches the stored delivery is stale (a
duplicate) and is dropped. A failed attempt enqueues the next one *before* recording the
outcome, so a crash between the two can repeat a POST but never strand a delivery; receivers
deduplicate on ``CMS-Delivery-Id``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from cms.adapters.safe_https import HttpsRequestFailed
from cms.domain.canonical import iso_utc, utc_now
from cms.domain.errors import (
    Conflict,
    DeliveryNotFound,
    DomainError,
    WebhookHostRefused,
    WebhookLimitReached,
    WebhookNotFound,
)
from cms.domain.identity import Caller
from cms.domain.webhooks import (
    MAX_WEBHOOKS_PER_OWNER,
    SIGNATURE_HEADER,
    AttemptMessage,
    AttemptResult,
    ContractEvent,
    Delivery,
    DeliveryStatus,
    Webhook,
    WebhookStatus,
    after_attempt,
    check_event_types,
    check_url,
    dropped,
    failure_of_status,
    for_replay,
    new_delivery,
    new_secret,
    payload_bytes,
    signature_header,
)
from cms.ports.errors import WriteConflict
from cms.ports.webhooks import DeliveryPage, DeliveryQueue, WebhookHttp, WebhookStore

__all__ = ["AttemptMessage", "Outcome", "WebhookService"]

logger = logging.getLogger("cms.webhooks")
USER_AGENT = "CMS-Webhooks/1.0"


def _log_change(caller: Caller, webhook_id: str, action: str) -> None:
    """Who changed a webhook's secret or status, and when (the log line's time): a structured
    line, never the secret. Not an audit event: the audit streams are hash-chained per
    identity and written in the same transaction as the change, which the webhook store
    does not do."""
    logger.info("webhook %s", action,
                extra={"caller_did": caller.did, "webhook_id": webhook_id, "action": action})


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    RETRYING = "retrying"
    DEAD = "dead"
    DROPPED = "dropped"  # the webhook was deleted or disabled
    STALE = "stale"  # a duplicate or outdated message


class WebhookService:
    def __init__(self, store: WebhookStore, queue: DeliveryQueue, http: WebhookHttp, *,
                 allow_private: bool = False,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self._store = store
        self._queue = queue
        self._http = http
        self._allow_private = allow_private  # tests and the local stack: receivers on loopback
        self._clock = clock

    # ------------------------------------------------------------ the owner's API

    def register(self, caller: Caller, url: str, event_types: list[str]) -> Webhook:
        """A new webhook; its secret is in the result and never shown again."""
        check_url(url, allow_private=self._allow_private)
        types = check_event_types(event_types)
        if self._store.count(caller.did) >= MAX_WEBHOOKS_PER_OWNER:
            raise WebhookLimitReached(
                f"an identity may register at most {MAX_WEBHOOKS_PER_OWNER} webhooks")
        try:
            self._http.vet(url)  # checked again on every delivery: DNS may change
        except HttpsRequestFailed as error:
            raise WebhookHostRefused(error.detail) from None
        webhook = Webhook(str(uuid.uuid4()), caller.did, url, new_secret(), types,
                          WebhookStatus.ACTIVE, iso_utc(self._clock()))
        self._store.add(webhook)
        return webhook

    def registered(self, caller: Caller, webhook_id: str) -> Webhook:
        """The caller's webhook as it is now, secret included: the answer to a repeated
        registration (the same caller and Idempotency-Key), which stores only the id."""
        return self._owned(caller, webhook_id)

    def list_webhooks(self, caller: Caller) -> list[Webhook]:
        return sorted(self._store.owned_by(caller.did), key=lambda w: (w.created_at,
                                                                       w.webhook_id))

    def delete(self, caller: Caller, webhook_id: str) -> None:
        """Its pending deliveries are dropped at their next attempt."""
        if not self._store.delete(caller.did, webhook_id):
            raise WebhookNotFound(f"no webhook {webhook_id}")

    def set_status(self, caller: Caller, webhook_id: str, status: WebhookStatus) -> Webhook:
        """Idempotent. A disabled webhook gets no new deliveries (fan-out skips it, reading
        its status consistently), its pending ones are given up at their next attempt if it is
        still disabled then (dead, replayable once enabled again),
        and its deliveries cannot be replayed meanwhile."""
        webhook = self._store.set_status(caller.did, webhook_id, status)
        if webhook is None:
            raise WebhookNotFound(f"no webhook {webhook_id}")
        _log_change(caller, webhook_id, "enable" if status is WebhookStatus.ACTIVE else "disable")
        return webhook

    def rotate_secret(self, caller: Caller, webhook_id: str) -> Webhook:
        """A new secret, in the result and never shown again; the old one stops at once.
        Every attempt reads the webhook when it is made, so retries and replays of deliveries
        created before the rotation are signed with the new secret; only an attempt already
        being sent at the moment of rotation carries the old one."""
        webhook = self._store.set_secret(caller.did, webhook_id, new_secret())
        if webhook is None:
            raise WebhookNotFound(f"no webhook {webhook_id}")
        _log_change(caller, webhook_id, "rotate_secret")
        return webhook

    def deliveries(self, caller: Caller, webhook_id: str, cursor: str | None,
                   limit: int) -> DeliveryPage:
        """Newest first; ``cursor`` is the last delivery id of the previous page."""
        self._owned(caller, webhook_id)
        return self._store.deliveries(webhook_id, cursor, limit)

    def replay(self, caller: Caller, webhook_id: str, delivery_id: str) -> Delivery:
        """Send a finished (succeeded or dead) delivery again, as a new series of attempts."""
        webhook = self._owned(caller, webhook_id)
        if webhook.status is not WebhookStatus.ACTIVE:
            raise Conflict(f"webhook {webhook_id} is {webhook.status.value}")
        delivery = self._store.get_delivery(webhook_id, delivery_id)
        if delivery is None:
            raise DeliveryNotFound(f"webhook {webhook_id} has no delivery {delivery_id}")
        if delivery.status is DeliveryStatus.PENDING:
            raise Conflict(f"delivery {delivery_id} is still being attempted")
        replayed = for_replay(delivery, self._clock())
        try:
            self._store.record(replayed, expected_attempts=delivery.attempts,
                               expected_status=delivery.status)
        except WriteConflict:
            raise Conflict(f"delivery {delivery_id} changed meanwhile; retry") from None
        self._enqueue_or_undo(replayed, delivery)
        return replayed

    # ------------------------------------------------------------ the platform's side

    def fan_out(self, event: ContractEvent) -> list[Delivery]:
        """A delivery for each interested webhook of the event's parties, each enqueued for
        its first attempt. A redelivered event finds its deliveries instead of making more."""
        queued = []
        for webhook in self._store.active_for(event.parties):
            if not webhook.wants(event.type):
                continue
            delivery, created = self._store.create_delivery(
                new_delivery(webhook, event, self._clock()))
            # Not created but never attempted: the run that created it may have died before
            # enqueueing. A duplicate message is harmless (it goes stale).
            if created or (delivery.status is DeliveryStatus.PENDING and delivery.attempts == 0):
                self._queue.send(AttemptMessage(webhook.webhook_id, delivery.delivery_id, 1))
                queued.append(delivery)
        return queued

    def attempt(self, message: AttemptMessage) -> Outcome:
        """Make the attempt ``message`` names, record it, and schedule the next if needed."""
        delivery = self._store.get_delivery(message.webhook_id, message.delivery_id)
        if delivery is None or delivery.status is not DeliveryStatus.PENDING or (
                message.attempt is not None and message.attempt != delivery.attempts + 1):
            return Outcome.STALE
        webhook = self._store.get(delivery.owner_did, delivery.webhook_id)
        if webhook is None or webhook.status is not WebhookStatus.ACTIVE:
            return self._drop(delivery)
        result = self._post(webhook, delivery)
        updated, delay = after_attempt(delivery, result, self._clock())
        if delay is not None:
            self._queue.send(AttemptMessage(delivery.webhook_id, delivery.delivery_id,
                                            updated.attempts + 1), delay)
        try:
            self._store.record(updated, expected_attempts=delivery.attempts,
                               expected_status=DeliveryStatus.PENDING)
        except WriteConflict:
            return Outcome.STALE  # a duplicate message recorded this attempt first
        return self._outcome(updated)

    # ------------------------------------------------------------ internals

    def _owned(self, caller: Caller, webhook_id: str) -> Webhook:
        webhook = self._store.get(caller.did, webhook_id)
        if webhook is None:
            raise WebhookNotFound(f"no webhook {webhook_id}")
        return webhook

    def _post(self, webhook: Webhook, delivery: Delivery) -> AttemptResult:
        body = payload_bytes(delivery)
        timestamp = int(self._clock().timestamp())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: signature_header(webhook.secret, body, timestamp),
            "CMS-Event-Id": delivery.event_id,
            "CMS-Delivery-Id": delivery.delivery_id,
            "CMS-Delivery-Attempt": str(delivery.attempts + 1),
        }
        try:
            status = self._http.post(webhook.url, body, headers)
        except HttpsRequestFailed as error:
            return AttemptResult(error=error.detail)
        return AttemptResult(status, None if 200 <= status < 300 else failure_of_status(status))

    def _drop(self, delivery: Delivery) -> Outcome:
        gone = dropped(delivery, "the webhook was deleted or disabled", self._clock())
        try:
            self._store.record(gone, expected_attempts=delivery.attempts,
                               expected_status=DeliveryStatus.PENDING)
        except WriteConflict:
            return Outcome.STALE
        return Outcome.DROPPED

    def _enqueue_or_undo(self, replayed: Delivery, previous: Delivery) -> None:
        """A replay whose message cannot be sent is put back, so it can be replayed again."""
        try:
            self._queue.send(AttemptMessage(replayed.webhook_id, replayed.delivery_id, 1))
        except DomainError:
            try:
                self._store.record(previous, expected_attempts=0,
                                   expected_status=DeliveryStatus.PENDING)
            except (WriteConflict, DomainError):
                logger.exception("could not undo the replay of %s", replayed.delivery_id)
            raise

    def _outcome(self, delivery: Delivery) -> Outcome:
        if delivery.status is DeliveryStatus.SUCCEEDED:
            return Outcome.SUCCEEDED
        if delivery.status is DeliveryStatus.PENDING:
            return Outcome.RETRYING
        logger.warning("webhook delivery dead after %d attempts", delivery.attempts,
                       extra={"webhook_id": delivery.webhook_id,
                              "delivery_id": delivery.delivery_id,
                              "last_status_code": delivery.last_status_code,
                              "last_error": delivery.last_error})
        return Outcome.DEAD

