"""Webhooks: a party's HTTPS endpoints for its contracts' events, and their deliveries."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from cms.api.schemas.common import Instant, Uuid
from cms.domain.webhooks import (
    DELIVERY_ID_PATTERN,
    EVENT_TYPES,
    MAX_ATTEMPTS,
    MAX_URL_LENGTH,
    WEBHOOK_URL_PATTERN,
)

# The contract events a webhook may filter on (the platform bus's detail-types).
ContractEventType = Literal[tuple(sorted(EVENT_TYPES))]
DeliveryId = Annotated[str, Field(pattern=DELIVERY_ID_PATTERN, description=(
    "<created_at>_<32 hex>: ids sort by creation time"))]
# Checked by the domain (check_url applies this very pattern and length), so that a URL out
# of shape is webhook_url_invalid with its reason, as the API has always answered.
WebhookUrl = Annotated[str, Field(
    description="https, without user info or fragment, on a host that resolves only to "
                "public addresses (checked again at every delivery)",
    json_schema_extra={"maxLength": MAX_URL_LENGTH, "pattern": WEBHOOK_URL_PATTERN})]


class NewWebhook(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"url": "https://hooks.example.com/cms", "event_types": ["contract.signed"]}]})
    url: WebhookUrl
    event_types: list[ContractEventType] = Field(
        default_factory=list, max_length=50, description="Empty: every event")


WebhookState = Literal["active", "disabled"]


class WebhookChange(BaseModel):
    """Switch a webhook on or off; setting the status it already has changes nothing."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"status": "disabled"}]})
    status: WebhookState = Field(description=(
        "disabled: no new deliveries, pending ones are dropped at their next attempt"))


class Webhook(BaseModel):
    id: Uuid
    url: str
    event_types: list[ContractEventType] = Field(description="Empty: every event")
    status: WebhookState
    created_at: Instant


class WebhookWithSecret(Webhook):
    """A webhook with the secret that signs its deliveries (new, or just rotated): shown
    only this once."""

    secret: str = Field(pattern=r"^[A-Za-z0-9_-]{43}$", description=(
        "32 random bytes, base64url; the HMAC-SHA256 key (its ASCII bytes) of the "
        "CMS-Signature header"))


class WebhookList(BaseModel):
    items: list[Webhook] = Field(description="Oldest first, without their secrets")


class Delivery(BaseModel):
    """One event for one webhook, and how its attempts went."""

    id: DeliveryId
    webhook_id: Uuid
    event_id: str
    event_type: str = Field(description="The contract event's type, e.g. contract.signed")
    status: Literal["pending", "succeeded", "dead"]
    attempts: int = Field(ge=0, le=MAX_ATTEMPTS, description="Made in the current series")
    last_status_code: int | None = Field(ge=100, le=999, description=(
        "The receiver's answer to the last attempt; null when it gave none"))
    last_error: str | None
    next_attempt_at: Instant | None = Field(description="Null once it succeeded or died")
    created_at: Instant
    updated_at: Instant


class DeliveryPage(BaseModel):
    items: list[Delivery] = Field(description="Newest first")
    next_cursor: DeliveryId | None = Field(description=(
        "The last item's id: pass it as cursor for the next page; null on the last page"))
