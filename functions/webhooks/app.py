"""Webhooks function: a party's HTTPS endpoints for its contracts' events, and their
deliveries (listing and replay)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, ConfigDict, Field

from cms.api.http import SECURED, caller_of, create_resolver, json_response, lambda_entry
from cms.api.observability import count
from cms.services import container

app = create_resolver()
BASE = "/api/v1/webhooks"
ONE = BASE + "/<webhook_id>"


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str  # the service explains what a URL must be (webhook_url_invalid)
    event_types: list[str] = Field(default_factory=list, max_length=50,
                                   description="Empty: every event")


@app.post(BASE, security=SECURED,
          summary="Register an HTTPS endpoint for the caller's contract events; the response "
                  "carries the signing secret, shown only this once")
def register(request: Annotated[WebhookCreate, Body()]) -> Response[dict]:
    webhook = container.webhooks().register(caller_of(app), request.url,
                                                 request.event_types)
    count("WebhooksRegistered")
    return json_response(webhook.to_json(with_secret=True), 201,
                         {"Location": f"{BASE}/{webhook.webhook_id}"})


@app.get(BASE, security=SECURED, summary="The caller's webhooks (without their secrets)")
def list_webhooks() -> dict:
    return {"items": [w.to_json() for w in container.webhooks().list_webhooks(
        caller_of(app))]}


@app.delete(ONE, security=SECURED,
            summary="Delete a webhook; its pending deliveries are dropped")
def delete(webhook_id: str) -> Response[None]:
    container.webhooks().delete(caller_of(app), webhook_id)
    return Response(status_code=204)


@app.get(ONE + "/deliveries", security=SECURED,
         summary="A webhook's deliveries, newest first")
def deliveries(
    webhook_id: str,
    cursor: Annotated[str | None, Query(max_length=4096)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict:
    page = container.webhooks().deliveries(caller_of(app), webhook_id, cursor, limit)
    return {"items": [d.to_json() for d in page.items], "next_cursor": page.next_cursor}


@app.post(ONE + "/deliveries/<delivery_id>/replay", security=SECURED,
          summary="Send a succeeded or dead delivery again (a new series of attempts)")
def replay(webhook_id: str, delivery_id: str) -> Response[dict]:
    delivery = container.webhooks().replay(caller_of(app), webhook_id, delivery_id)
    count("WebhookReplays")
    return json_response(delivery.to_json(), 202)


handler = lambda_entry(app)
