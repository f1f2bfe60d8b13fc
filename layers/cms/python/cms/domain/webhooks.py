"""Webhooks (pure): which URLs a party may register, what a receiver gets, how it is signed,
and when a failed delivery is tried again.

A receiver authenticates a delivery with the ``CMS-Signature`` header,
``t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``, using ``verify_signature``
(or its few lines in any language): the timestamp is signed with the body, so a captured
delivery cannot be replayed outside the tolerance window.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from cms.domain.addresses import IpAddress, is_public_address
from cms.domain.canonical import canonical_json, iso_utc, parse_iso
from cms.domain.errors import ValidationFailed, WebhookHostRefused, WebhookUrlInvalid

# The vocabulary of event_types filters (EventBridge detail-types of source "cms.contracts").
EVENT_SOURCE = "cms.contracts"
EVENT_TYPES = frozenset({
    "contract.created", "contract.updated", "contract.submitted", "contract.changes_requested",
    "contract.signed", "contract.activated", "contract.completed", "contract.terminated",
    "contract.expired", "contract.attachment_added", "contract.reminder",
})

MAX_WEBHOOKS_PER_OWNER = 10
MAX_URL_LENGTH = 2048
MAX_EVENT_ID_LENGTH = 256  # it becomes part of a DynamoDB key (at most 1 KiB)

SIGNATURE_HEADER = "CMS-Signature"
SIGNATURE_TOLERANCE_S = 300
_MAX_SIGNATURE_HEADER = 4096

# Delay (seconds) before attempt n+1 (index n): +0, 10 s, 30 s, 2 min, 10 min, then every
# 15 min; dead after the last. SQS cannot delay a message longer than 900 s.
MAX_DELAY_S = 900
BACKOFF_S: tuple[int, ...] = (0, 10, 30, 120, 600, 900, 900, 900)
MAX_ATTEMPTS = len(BACKOFF_S)

# RFC 3986 characters; anything else (spaces, backslashes, non-ASCII) must be percent-encoded,
# which also keeps parsers that disagree about such characters from seeing different hosts.
_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def _url_pattern() -> str:
    """What a webhook URL may look like, as a regular expression the API document carries:
    https, a host name, a dotted IPv4 address or a bracketed IPv6 address (RFC 3986's
    grammar), a port from 1 to 65535, a path and a query of RFC 3986 characters; no user
    info, no fragment. Whether the host may be reached is DNS's answer, checked apart."""
    h16, octet = "[0-9A-Fa-f]{1,4}", "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
    ipv4 = rf"{octet}(?:\.{octet}){{3}}"
    ls32 = f"(?:{h16}:{h16}|{ipv4})"
    ipv6 = "|".join([
        f"(?:{h16}:){{6}}{ls32}", f"::(?:{h16}:){{5}}{ls32}",
        f"(?:{h16})?::(?:{h16}:){{4}}{ls32}",
        f"(?:(?:{h16}:){{0,1}}{h16})?::(?:{h16}:){{3}}{ls32}",
        f"(?:(?:{h16}:){{0,2}}{h16})?::(?:{h16}:){{2}}{ls32}",
        f"(?:(?:{h16}:){{0,3}}{h16})?::{h16}:{ls32}",
        f"(?:(?:{h16}:){{0,4}}{h16})?::{ls32}", f"(?:(?:{h16}:){{0,5}}{h16})?::{h16}",
        f"(?:(?:{h16}:){{0,6}}{h16})?::"])
    label = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    host = rf"(?:{label}(?:\.{label})*|\[(?:{ipv6})\])"
    port = ("(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}"
            "|655[0-2][0-9]|6553[0-5])")
    pchar = "A-Za-z0-9._~!$&'()*+,;=%:@"  # RFC 3986 (percent-encoded or not); "-" last below
    return (f"^[Hh][Tt][Tt][Pp][Ss]://{host}(?::{port})?(?:/[{pchar}/-]*)?"
            f"(?:\\?[{pchar}/?-]*)?$")


WEBHOOK_URL_PATTERN = _url_pattern()
_WEBHOOK_URL = re.compile(WEBHOOK_URL_PATTERN)
_MAX_HOST_LENGTH = 253
_HEX64 = re.compile(r"[0-9a-f]{64}")
# "<created_at>_<32 hex>": time-ordered, so an id is also a position in a newest-first
# listing. ASCII digits only ([0-9], not \d, which also matches other scripts' digits).
DELIVERY_ID_PATTERN = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z"
                       r"_[0-9a-f]{32}$")
DELIVERY_ID = re.compile(DELIVERY_ID_PATTERN)


class WebhookStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    DEAD = "dead"


# ------------------------------------------------------------------ registration rules


def check_url(url: str, *, allow_private: bool = False) -> str:
    """``url`` if a webhook may point at it: https, a host, no userinfo or fragment, and an
    IP-literal host must be public. Names are checked against DNS by the service."""
    if not url or len(url) > MAX_URL_LENGTH:
        raise WebhookUrlInvalid(f"the URL must have 1 to {MAX_URL_LENGTH} characters")
    if not _URL_CHARS.fullmatch(url):
        raise WebhookUrlInvalid("the URL may only contain RFC 3986 characters (percent-encode "
                                "the rest; use the punycode form of international names)")
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. unbalanced or misused brackets
        raise WebhookUrlInvalid("the URL cannot be parsed") from None
    if parts.scheme != "https":
        raise WebhookUrlInvalid("webhooks are delivered over https only")
    if "#" in url:
        raise WebhookUrlInvalid("the URL must not have a fragment")
    if "@" in parts.netloc:
        raise WebhookUrlInvalid("the URL must not carry credentials (user info)")
    try:
        port = parts.port
    except ValueError:
        raise WebhookUrlInvalid("the URL's port is not valid") from None
    if port == 0:
        raise WebhookUrlInvalid("the URL's port is not valid")
    host, bracketed = parts.hostname or "", parts.netloc.startswith("[")
    literal = _host_literal(host, bracketed)
    # The rest of the shape, as the API document's pattern says it.
    if not _WEBHOOK_URL.fullmatch(url):
        raise WebhookUrlInvalid("the URL must be https://host[:port][/path][?query] with a "
                                "host name, a dotted IPv4 address or a bracketed IPv6 address")
    _check_reach(host, literal, allow_private=allow_private)
    return url


def _host_literal(host: str, bracketed: bool) -> IpAddress | None:
    """The host's address if it is one; WebhookUrlInvalid unless it is a well-formed name
    or address."""
    if not host:
        raise WebhookUrlInvalid("the URL must name a host")
    literal = _ip_literal(host, bracketed)
    if literal is None and not all(_LABEL.fullmatch(label) for label in host.split(".")):
        raise WebhookUrlInvalid(f"'{host}' is not a valid host name")
    return literal


def _check_reach(host: str, literal: IpAddress | None, *, allow_private: bool) -> None:
    """A well-formed host that no public address answers for: WebhookHostRefused."""
    if literal is not None:
        if not allow_private and not is_public_address(literal):
            raise WebhookHostRefused(
                f"'{host}' is not a public address (private, loopback, link-local or reserved)")
        return
    labels = host.split(".")
    if len(host) > _MAX_HOST_LENGTH:
        raise WebhookHostRefused(f"'{host[:64]}…' is longer than a name that resolves")
    if labels[-1].isdigit():  # "127.1", "2130706433": IPv4 in forms resolvers still accept
        raise WebhookHostRefused(f"'{host}' is neither a host name nor a dotted IPv4 address")
    if len(labels) < 2 and not allow_private:  # "localhost", "metadata": never public names
        raise WebhookHostRefused(f"'{host}' is not a fully qualified domain name")


def _ip_literal(host: str, bracketed: bool) -> IpAddress | None:
    if bracketed:
        try:
            address = ipaddress.IPv6Address(host)
        except ValueError:
            address = None
        if address is None or address.scope_id:  # a zone ("%eth0") names a local interface
            raise WebhookUrlInvalid(f"'[{host}]' is not a valid IPv6 address")
        return address
    try:
        return ipaddress.IPv4Address(host)
    except ValueError:
        return None


def check_event_types(event_types: Iterable[str]) -> tuple[str, ...]:
    """The filter, deduplicated and sorted; empty means every event."""
    chosen = list(event_types)
    errors = [{"pointer": f"/event_types/{i}", "message": "unknown event type"}
              for i, name in enumerate(chosen) if name not in EVENT_TYPES]
    if errors:
        raise ValidationFailed(f"known event types: {', '.join(sorted(EVENT_TYPES))}", errors)
    return tuple(sorted(set(chosen)))


def new_secret() -> str:
    """32 random bytes, base64url: the HMAC key (its ASCII bytes), shown to the owner once."""
    return secrets.token_urlsafe(32)


# ------------------------------------------------------------------ records


@dataclass(frozen=True)
class Webhook:
    webhook_id: str
    owner_did: str
    url: str
    secret: str
    event_types: tuple[str, ...]
    status: WebhookStatus
    created_at: str

    def wants(self, event_type: str) -> bool:
        return self.status is WebhookStatus.ACTIVE and (
            not self.event_types or event_type in self.event_types)

    def to_json(self, *, with_secret: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.webhook_id, "url": self.url, "event_types": list(self.event_types),
            "status": self.status.value, "created_at": self.created_at,
        }
        if with_secret:
            body["secret"] = self.secret
        return body


@dataclass(frozen=True)
class ContractEvent:
    """A lifecycle event from the platform's bus, as much of it as fan-out needs."""

    event_id: str
    type: str
    parties: tuple[str, ...]
    at: str
    detail: dict[str, Any]

    @classmethod
    def from_bus(cls, event: Mapping[str, Any]) -> ContractEvent:
        """ValueError if the event is not a well-formed contract event."""
        detail = event.get("detail")
        event_type = event.get("detail-type")
        if event.get("source") != EVENT_SOURCE or not isinstance(detail, dict):
            raise ValueError("not a contract event")
        event_id, parties, at = detail.get("event_id"), detail.get("parties"), detail.get("at")
        if not (isinstance(event_type, str) and event_type
                and isinstance(event_id, str) and 0 < len(event_id) <= MAX_EVENT_ID_LENGTH
                and isinstance(parties, list) and all(isinstance(p, str) for p in parties)
                and isinstance(at, str)):
            raise ValueError("contract event without type, event_id, parties or at")
        canonical_json(detail)  # ValueError unless I-JSON: the payload must be signable
        return cls(event_id, event_type, tuple(dict.fromkeys(parties)), iso_utc(parse_iso(at)),
                   detail)


@dataclass(frozen=True)
class Delivery:
    """One event for one webhook and the state of its attempts."""

    webhook_id: str
    delivery_id: str
    owner_did: str
    event_id: str
    event_type: str
    payload: dict[str, Any]
    created_at: str
    updated_at: str
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    last_status_code: int | None = None
    last_error: str | None = None
    next_attempt_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.delivery_id, "webhook_id": self.webhook_id, "event_id": self.event_id,
            "event_type": self.event_type, "status": self.status.value,
            "attempts": self.attempts, "last_status_code": self.last_status_code,
            "last_error": self.last_error, "next_attempt_at": self.next_attempt_at,
            "created_at": self.created_at, "updated_at": self.updated_at,
        }


def new_delivery(webhook: Webhook, event: ContractEvent, now: datetime) -> Delivery:
    created_at = iso_utc(now)
    delivery_id = f"{created_at}_{uuid.uuid4().hex}"  # time-ordered, URL-safe
    payload = {"id": delivery_id, "type": event.type, "created_at": event.at,
               "data": event.detail}
    return Delivery(webhook.webhook_id, delivery_id, webhook.owner_did, event.event_id,
                    event.type, payload, created_at, created_at, next_attempt_at=created_at)


def payload_bytes(delivery: Delivery) -> bytes:
    """What the receiver gets (RFC 8785 JSON): the same bytes on every attempt."""
    return canonical_json(delivery.payload)


# ------------------------------------------------------------------ attempts


@dataclass(frozen=True)
class AttemptMessage:
    """What the deliveries queue carries: an attempt of one delivery. A message whose number
    no longer matches the stored delivery is stale (a duplicate) and is dropped."""

    webhook_id: str
    delivery_id: str
    attempt: int | None = None  # None: whatever attempt is due

    def to_json(self) -> dict[str, Any]:
        return {"webhook_id": self.webhook_id, "delivery_id": self.delivery_id,
                "attempt": self.attempt}

    @classmethod
    def from_json(cls, body: Any) -> AttemptMessage:
        """ValueError if ``body`` is not an attempt message."""
        if not isinstance(body, dict):
            raise ValueError("not an object")
        webhook_id, delivery_id, attempt = (body.get("webhook_id"), body.get("delivery_id"),
                                            body.get("attempt"))
        if not (isinstance(webhook_id, str) and isinstance(delivery_id, str)
                and (attempt is None or (isinstance(attempt, int) and attempt >= 1))):
            raise ValueError("webhook_id, delivery_id (strings) and attempt (>= 1) expected")
        return cls(webhook_id, delivery_id, attempt)


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None = None  # None: no HTTP answer (see error)
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def next_delay(attempts_made: int) -> int | None:
    """Seconds to wait before the next attempt, or None once every attempt has been made."""
    if attempts_made >= MAX_ATTEMPTS:
        return None
    return min(BACKOFF_S[attempts_made], MAX_DELAY_S)


def after_attempt(delivery: Delivery, result: AttemptResult,
                  now: datetime) -> tuple[Delivery, int | None]:
    """The delivery once this attempt is recorded, and the delay before the next (if any)."""
    attempts = delivery.attempts + 1
    delay = None if result.succeeded else next_delay(attempts)
    if result.succeeded:
        status = DeliveryStatus.SUCCEEDED
    else:
        status = DeliveryStatus.PENDING if delay is not None else DeliveryStatus.DEAD
    updated = replace(
        delivery, status=status, attempts=attempts, last_status_code=result.status_code,
        last_error=result.error if not result.succeeded else None, updated_at=iso_utc(now),
        next_attempt_at=iso_utc(now + timedelta(seconds=delay)) if delay is not None else None)
    return updated, delay


def for_replay(delivery: Delivery, now: datetime) -> Delivery:
    """A finished delivery as a new series of attempts (same id: receivers dedupe on it)."""
    return replace(delivery, status=DeliveryStatus.PENDING, attempts=0, last_status_code=None,
                   last_error=None, updated_at=iso_utc(now), next_attempt_at=iso_utc(now))


def dropped(delivery: Delivery, reason: str, now: datetime) -> Delivery:
    """A pending delivery given up without an attempt (its webhook is gone)."""
    return replace(delivery, status=DeliveryStatus.DEAD, last_error=reason,
                   updated_at=iso_utc(now), next_attempt_at=None)


def failure_of_status(status_code: int) -> str:
    if 300 <= status_code < 400:
        return f"HTTP status {status_code}; redirects are not followed"
    return f"HTTP status {status_code}"


# ------------------------------------------------------------------ signatures


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    """The ``CMS-Signature`` value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    return f"t={timestamp},v1={_mac(secret, timestamp, body)}"


@dataclass(frozen=True)
class _ParsedSignature:
    timestamp: int
    candidates: list[str] = field(default_factory=list)


def _parse_signature(header: str) -> _ParsedSignature | None:
    if not isinstance(header, str) or len(header) > _MAX_SIGNATURE_HEADER:
        return None
    timestamp, candidates = None, []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == "v1" and _HEX64.fullmatch(value):
            candidates.append(value)  # several: the sender is rotating secrets
    return None if timestamp is None or not candidates else _ParsedSignature(timestamp,
                                                                            candidates)


def verify_signature(secret: str, header: str, body: bytes, now: datetime | float,
                     tolerance_s: int = SIGNATURE_TOLERANCE_S) -> bool:
    """True if ``header`` signs exactly ``body`` with ``secret`` at a time within
    ``tolerance_s`` of ``now`` (a datetime or Unix seconds). Compares in constant time."""
    parsed = _parse_signature(header)
    if parsed is None:
        return False
    now_s = now.timestamp() if isinstance(now, datetime) else float(now)
    if abs(now_s - parsed.timestamp) > tolerance_s:
        return False
    expected = _mac(secret, parsed.timestamp, body)
    matched = False
    for candidate in parsed.candidates:
        matched |= hmac.compare_digest(expected, candidate)
    return matched
