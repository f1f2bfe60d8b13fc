"""Webhooks function: a party's HTTPS endpoints for its contracts' events, and their
deliveries (listing and replay)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from cms.api.http import caller_of, http_entry, json_response
from cms.api.idempotency import IDEMPOTENCY_ERRORS, IdempotencyKey, idempotent
from cms.api.observability import count
from cms.api.operations import READ, WRITE, Api
from cms.api.schemas.common import Uuid
from cms.api.schemas.webhooks import (
    Delivery,
    DeliveryId,
    DeliveryPage,
    NewWebhook,
    Webhook,
    WebhookChange,
    WebhookList,
    WebhookWithSecret,
)
from cms.domain import webhooks as domain
from cms.domain.errors import (
    Conflict,
    DeliveryNotFound,
    WebhookHostRefused,
    WebhookLimitReached,
    WebhookNotFound,
    WebhookUrlInvalid,
)
from cms.runtime import FunctionRuntime

api = Api("webhooks")
runtime = FunctionRuntime()
BASE = "/api/v1/webhooks"
ONE = BASE + "/<webhook_id>"

WebhookIdPath = Annotated[Uuid, Path()]
DeliveryIdPath = Annotated[DeliveryId, Path()]
# A position in the newest-first listing: the last delivery id of the previous page. Any id
# is a position (ids sort by time), so every value of its pattern is accepted.
Cursor = Annotated[DeliveryId, Query(description=(
    "next_cursor of the previous page: the page goes on with the deliveries created before "
    "that one"))]


def _delivery(delivery: domain.Delivery) -> Delivery:
    return Delivery.model_validate(delivery.to_json())


@api.post(BASE, "createWebhook", limit=WRITE, status=201,
          summary="Register an HTTPS endpoint for the caller's contract events; the response "
                  "carries the signing secret, shown only to this request (and its repeats "
                  "with the same Idempotency-Key)",
          description="With an Idempotency-Key, a repeat answers the same webhook as it is "
                      "now, with its current secret; only the webhook's id is kept with the "
                      "key, never the secret. A repeat after the webhook was deleted is 404 "
                      "webhook_not_found.",
          errors=(WebhookUrlInvalid, WebhookHostRefused, WebhookLimitReached, WebhookNotFound,
                  *IDEMPOTENCY_ERRORS))
def register(request: Annotated[NewWebhook, Body()],
             idempotency_key: IdempotencyKey = None) -> Response[WebhookWithSecret]:
    caller, webhooks = caller_of(api), runtime.services.webhooks

    def make() -> domain.Webhook:
        made = webhooks.register(caller, request.url, list(request.event_types))
        count("WebhooksRegistered")
        return made

    webhook = idempotent(
        api, runtime, idempotency_key, make, operation="createWebhook",
        request=request.model_dump(mode="json"),
        # The secret stays in the webhooks table alone: the idempotency table is shared by
        # every function that creates something, none of which may read webhook secrets.
        keep=lambda made: {"id": made.webhook_id},
        replay=lambda kept: webhooks.registered(caller, kept["id"]))
    return json_response(WebhookWithSecret.model_validate(webhook.to_json(with_secret=True)),
                         201, {"Location": f"{BASE}/{webhook.webhook_id}"})


@api.get(BASE, "listWebhooks", limit=READ, summary="The caller's webhooks (without their secrets)")
def list_webhooks() -> WebhookList:
    webhooks = runtime.services.webhooks.list_webhooks(caller_of(api))
    return WebhookList(items=[Webhook.model_validate(w.to_json()) for w in webhooks])


@api.delete(ONE, "deleteWebhook", limit=WRITE, status=204,
            summary="Delete a webhook; its pending deliveries are dropped",
            errors=(WebhookNotFound,))
def delete(webhook_id: WebhookIdPath) -> Response[None]:
    runtime.services.webhooks.delete(caller_of(api), webhook_id)
    return Response(status_code=204)


@api.patch(ONE, "updateWebhook", limit=WRITE,
           summary="Disable or enable a webhook (idempotent); a disabled webhook gets no new "
                   "deliveries and its pending ones are dropped",
           errors=(WebhookNotFound,))
def update(webhook_id: WebhookIdPath, change: Annotated[WebhookChange, Body()]) -> Webhook:
    webhook = runtime.services.webhooks.set_status(caller_of(api), webhook_id,
                                                   domain.WebhookStatus(change.status))
    count("WebhooksEnabled" if webhook.status is domain.WebhookStatus.ACTIVE
          else "WebhooksDisabled")
    return Webhook.model_validate(webhook.to_json())


@api.post(ONE + "/rotate-secret", "rotateWebhookSecret", limit=WRITE,
          summary="Replace a webhook's signing secret; the response carries the new one, shown "
                  "only this once. Every attempt from now on, retries and replays of earlier "
                  "deliveries included, is signed with the new secret",
          errors=(WebhookNotFound,))
def rotate_secret(webhook_id: WebhookIdPath) -> WebhookWithSecret:
    webhook = runtime.services.webhooks.rotate_secret(caller_of(api), webhook_id)
    count("WebhookSecretsRotated")
    return WebhookWithSecret.model_validate(webhook.to_json(with_secret=True))


@api.get(ONE + "/deliveries", "listWebhookDeliveries", limit=READ,
         summary="A webhook's deliveries, newest first", errors=(WebhookNotFound,))
def deliveries(
    webhook_id: WebhookIdPath,
    cursor: Cursor = None,  # absent: the newest
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> DeliveryPage:
    page = runtime.services.webhooks.deliveries(caller_of(api), webhook_id, cursor, limit)
    return DeliveryPage(items=[_delivery(d) for d in page.items], next_cursor=page.next_cursor)


@api.post(ONE + "/deliveries/<delivery_id>/replay", "replayWebhookDelivery", limit=WRITE,
          status=202,
          summary="Send a succeeded or dead delivery again (a new series of attempts)",
          errors=(WebhookNotFound, DeliveryNotFound, Conflict))
def replay(webhook_id: WebhookIdPath, delivery_id: DeliveryIdPath) -> Response[Delivery]:
    delivery = runtime.services.webhooks.replay(caller_of(api), webhook_id, delivery_id)
    count("WebhookReplays")
    return json_response(_delivery(delivery), 202)


handler = http_entry(api, runtime)
