"""Webhooks function: a party's HTTPS endpoints for its contracts' events, and their
deliveries (listing and replay)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, ConfigDict, Field

from cms.api.http import caller_of, http_entry, json_response
from cms.api.observability import count
from cms.api.operations import Api
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


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str  # the service explains what a URL must be (webhook_url_invalid)
    event_types: list[str] = Field(default_factory=list, max_length=50,
                                   description="Empty: every event")


@api.post(BASE, "createWebhook", status=201,
          summary="Register an HTTPS endpoint for the caller's contract events; the response "
                  "carries the signing secret, shown only this once",
          errors=(WebhookUrlInvalid, WebhookHostRefused, WebhookLimitReached))
def register(request: Annotated[WebhookCreate, Body()]) -> Response[dict]:
    webhook = runtime.services.webhooks.register(caller_of(api), request.url,
                                                 request.event_types)
    count("WebhooksRegistered")
    return json_response(webhook.to_json(with_secret=True), 201,
                         {"Location": f"{BASE}/{webhook.webhook_id}"})


@api.get(BASE, "listWebhooks", summary="The caller's webhooks (without their secrets)")
def list_webhooks() -> dict:
    return {"items": [w.to_json() for w in runtime.services.webhooks.list_webhooks(
        caller_of(api))]}


@api.delete(ONE, "deleteWebhook", status=204,
            summary="Delete a webhook; its pending deliveries are dropped",
            errors=(WebhookNotFound,))
def delete(webhook_id: str) -> Response[None]:
    runtime.services.webhooks.delete(caller_of(api), webhook_id)
    return Response(status_code=204)


@api.get(ONE + "/deliveries", "listWebhookDeliveries",
         summary="A webhook's deliveries, newest first", errors=(WebhookNotFound,))
def deliveries(
    webhook_id: str,
    cursor: Annotated[str | None, Query(max_length=4096)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict:
    page = runtime.services.webhooks.deliveries(caller_of(api), webhook_id, cursor, limit)
    return {"items": [d.to_json() for d in page.items], "next_cursor": page.next_cursor}


@api.post(ONE + "/deliveries/<delivery_id>/replay", "replayWebhookDelivery", status=202,
          summary="Send a succeeded or dead delivery again (a new series of attempts)",
          errors=(WebhookNotFound, DeliveryNotFound, Conflict))
def replay(webhook_id: str, delivery_id: str) -> Response[dict]:
    delivery = runtime.services.webhooks.replay(caller_of(api), webhook_id, delivery_id)
    count("WebhookReplays")
    return json_response(delivery.to_json(), 202)


handler = http_entry(api, runtime)
