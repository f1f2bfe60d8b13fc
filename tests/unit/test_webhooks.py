"""Webhooks domain: URL rules, event filters, payloads, signatures, backoff."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cms.domain.contracts import CREATED, RULES_BY_EVENT
from cms.domain.errors import ValidationFailed, WebhookHostRefused, WebhookUrlInvalid
from cms.domain.webhooks import (
    BACKOFF_S,
    EVENT_TYPES,
    MAX_ATTEMPTS,
    MAX_DELAY_S,
    MAX_URL_LENGTH,
    WEBHOOK_URL_PATTERN,
    AttemptResult,
    ContractEvent,
    DeliveryStatus,
    Webhook,
    WebhookStatus,
    after_attempt,
    check_event_types,
    check_url,
    for_replay,
    new_delivery,
    new_secret,
    next_delay,
    payload_bytes,
    signature_header,
    verify_signature,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SECRET = "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t"
PROVIDER, CONSUMER = "did:key:z6MkProvider", "did:key:z6MkConsumer"


# --- URL rules -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "https://hooks.example.com/cms",
    "https://hooks.example.com:8443/cms?token=abc&x=%20y",
    "HTTPS://Hooks.Example.COM/",
    "https://93.184.215.14/hook",
    "https://[2606:4700:4700::1111]:443/hook",
])
def test_acceptable_urls(url: str) -> None:
    assert check_url(url) == url


@pytest.mark.parametrize(("url", "reason"), [
    ("http://hooks.example.com/cms", "https only"),
    ("ftp://hooks.example.com/cms", "https only"),
    ("https://user:pw@hooks.example.com/cms", "credentials"),
    ("https://user@hooks.example.com/cms", "credentials"),
    ("https://hooks.example.com/cms#part", "fragment"),
    ("https:///cms", "name a host"),
    ("https://hooks.example.com:0/", "port"),
    ("https://hooks.example.com:99999/", "port"),
    ("https://hooks.example.com:x/", "port"),
    ("https://hooks example.com/", "RFC 3986"),
    ("https://hooks.example.com\\@evil.example/", "RFC 3986"),
    ("https://hööks.example/", "RFC 3986"),
    ("https://hooks_.example.com/", "valid host name"),
    ("https://hooks.example.com/a[b]", "https://host"),
    ("https://hooks.example.com:0443/", "https://host"),
    ("https://[fe80::1%25eth0]/", "IPv6"),
    ("https://[127.0.0.1]/", "parsed"),
    ("https://[::1/", "parsed"),
    ("https://example.com/" + "a" * 2048, "2048"),
    ("", "2048"),
])
def test_invalid_urls_are_400s(url: str, reason: str) -> None:
    with pytest.raises(WebhookUrlInvalid, match=reason) as error:
        check_url(url)
    assert error.value.status == 400
    assert error.value.extra["errors"][0]["pointer"] == "/url"


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook",
    "https://10.1.2.3/hook",
    "https://172.16.0.1/hook",
    "https://192.168.0.10:8443/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://0.0.0.0/",
    "https://[::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[::ffff:169.254.169.254]/hook",
    "https://[fc00::1]/hook",
    "https://[64:ff9b::a9fe:a9fe]/hook",
    "https://localhost/hook",
    "https://metadata/computeMetadata",
    "https://127.1/",  # IPv4 in a form resolvers still accept
    "https://2130706433/",
    "https://" + ".".join(["a" * 63] * 4) + "/",  # longer than any name that resolves
])
def test_private_hosts_are_refused(url: str) -> None:
    with pytest.raises(WebhookHostRefused) as error:
        check_url(url)
    assert error.value.status == 422


@settings(max_examples=300, deadline=None)
@given(st.from_regex(WEBHOOK_URL_PATTERN, fullmatch=True).filter(
    lambda url: len(url) <= MAX_URL_LENGTH))
def test_every_url_of_the_documented_pattern_is_well_formed(url: str) -> None:
    """The API document gives this pattern: a URL that fits it is never refused as
    malformed, only (DNS's answer) for where it leads."""
    with contextlib.suppress(WebhookHostRefused):
        check_url(url)


def test_private_hosts_are_allowed_when_configured() -> None:
    assert check_url("https://127.0.0.1:8443/hook", allow_private=True)
    assert check_url("https://localhost:8443/hook", allow_private=True)
    with pytest.raises(WebhookUrlInvalid):
        check_url("http://localhost:8443/hook", allow_private=True)


# --- event types and events ------------------------------------------------------------------


def test_event_types_are_checked_and_normalised() -> None:
    assert check_event_types([]) == ()
    assert check_event_types(["contract.signed", "contract.created", "contract.signed"]) == (
        "contract.created", "contract.signed")
    with pytest.raises(ValidationFailed) as error:
        check_event_types(["contract.signed", "contract.exploded"])
    assert error.value.extra["errors"] == [{"pointer": "/event_types/1",
                                            "message": "unknown event type"}]


def test_every_contract_event_type_can_be_subscribed_to() -> None:
    assert {*RULES_BY_EVENT, CREATED} <= EVENT_TYPES


def _bus_event(**detail: object) -> dict[str, object]:
    return {"source": "cms.contracts", "detail-type": "contract.signed", "id": "eb-1",
            "detail": {"event_id": "ev-1", "contract_id": "c-1", "parties": [PROVIDER, CONSUMER],
                       "status": "review", "seq": 3, "hash": "ab" * 32,
                       "at": "2025-03-01T12:00:00+00:00", "actor": PROVIDER, "data": {},
                       **detail}}


def test_contract_event_from_the_bus() -> None:
    event = ContractEvent.from_bus(_bus_event())
    assert (event.event_id, event.type, event.parties) == ("ev-1", "contract.signed",
                                                           (PROVIDER, CONSUMER))
    assert event.at == "2025-03-01T12:00:00.000Z"


@pytest.mark.parametrize("change", [
    {"source": "aws.s3"},
    {"detail": "nope"},
    {"detail-type": None},
])
def test_malformed_bus_events_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ContractEvent.from_bus({**_bus_event(), **change})


@pytest.mark.parametrize("detail", [{"event_id": ""}, {"parties": "x"}, {"at": "yesterday"},
                                    {"data": {"x": float("nan")}}, {"event_id": "e" * 300}])
def test_malformed_event_details_are_refused(detail: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ContractEvent.from_bus(_bus_event(**detail))


def _webhook(*types: str, status: WebhookStatus = WebhookStatus.ACTIVE) -> Webhook:
    return Webhook("wh-1", CONSUMER, "https://hooks.example.com/", SECRET, types, status,
                   "2025-01-01T00:00:00.000Z")


def test_filters() -> None:
    assert _webhook().wants("contract.signed")
    assert _webhook("contract.signed").wants("contract.signed")
    assert not _webhook("contract.created").wants("contract.signed")
    assert not _webhook(status=WebhookStatus.DISABLED).wants("contract.signed")


def test_payload_and_listing_shape() -> None:
    event = ContractEvent.from_bus(_bus_event())
    delivery = new_delivery(_webhook(), event, NOW)
    body = json.loads(payload_bytes(delivery))
    assert body == {"id": delivery.delivery_id, "type": "contract.signed",
                    "created_at": "2025-03-01T12:00:00.000Z", "data": event.detail}
    assert delivery.delivery_id.startswith("2025-03-01T12:00:00.000Z_")
    assert payload_bytes(delivery) == payload_bytes(delivery)  # canonical: stable bytes
    assert "payload" not in delivery.to_json()
    assert "secret" not in _webhook().to_json()
    assert _webhook().to_json(with_secret=True)["secret"] == SECRET


def test_secrets_are_32_random_bytes() -> None:
    secret = new_secret()
    assert len(secret) == 43 and secret != new_secret()


# --- signatures ------------------------------------------------------------------------------

BODY = b'{"id":"d-1","type":"contract.signed"}'
T = int(NOW.timestamp())


def test_signature_round_trip() -> None:
    header = signature_header(SECRET, BODY, T)
    assert header.startswith(f"t={T},v1=")
    assert verify_signature(SECRET, header, BODY, NOW)
    assert verify_signature(SECRET, header, BODY, T + 299)


def test_tampered_body_is_refused() -> None:
    header = signature_header(SECRET, BODY, T)
    assert not verify_signature(SECRET, header, BODY.replace(b"signed", b"voided"), NOW)


def test_wrong_secret_is_refused() -> None:
    header = signature_header(SECRET, BODY, T)
    assert not verify_signature("another-secret", header, BODY, NOW)


def test_stale_and_future_timestamps_are_refused() -> None:
    header = signature_header(SECRET, BODY, T)
    assert not verify_signature(SECRET, header, BODY, NOW + timedelta(seconds=301))
    assert not verify_signature(SECRET, header, BODY, NOW - timedelta(seconds=301))
    assert verify_signature(SECRET, header, BODY, NOW + timedelta(hours=1), tolerance_s=7200)


def test_timestamp_is_signed_with_the_body() -> None:
    mac = signature_header(SECRET, BODY, T).split("v1=")[1]
    assert not verify_signature(SECRET, f"t={T + 60},v1={mac}", BODY, NOW)


def test_a_rotated_secret_may_sign_beside_the_old_one() -> None:
    old = signature_header("old-secret", BODY, T).split("v1=")[1]
    assert verify_signature(SECRET, f"{signature_header(SECRET, BODY, T)},v1={old}", BODY, NOW)


@pytest.mark.parametrize("header", ["", "garbage", f"t={T}", "v1=" + "0" * 64,
                                    f"t=abc,v1={'0' * 64}", f"t={T},v1=xyz",
                                    f"t={T},v1={'é' * 64}", "t=1," * 2000])
def test_malformed_headers_are_refused(header: str) -> None:
    assert not verify_signature(SECRET, header, BODY, NOW)


# --- backoff ---------------------------------------------------------------------------------


def test_backoff_schedule() -> None:
    assert BACKOFF_S == (0, 10, 30, 120, 600, 900, 900, 900)
    assert MAX_ATTEMPTS == 8
    assert [next_delay(n) for n in range(1, 9)] == [10, 30, 120, 600, 900, 900, 900, None]
    assert all(delay <= MAX_DELAY_S for delay in BACKOFF_S)


def test_attempts_run_to_dead_then_replay_starts_over() -> None:
    delivery = new_delivery(_webhook(), ContractEvent.from_bus(_bus_event()), NOW)
    failed = AttemptResult(500, "HTTP status 500")
    for n in range(1, MAX_ATTEMPTS):
        delivery, delay = after_attempt(delivery, failed, NOW)
        assert (delivery.status, delivery.attempts, delay) == (DeliveryStatus.PENDING, n,
                                                               BACKOFF_S[n])
        assert delivery.next_attempt_at == (NOW + timedelta(seconds=BACKOFF_S[n])).isoformat(
            timespec="milliseconds").replace("+00:00", "Z")
    delivery, delay = after_attempt(delivery, failed, NOW)
    assert (delivery.status, delivery.attempts, delay) == (DeliveryStatus.DEAD, 8, None)
    assert (delivery.last_status_code, delivery.last_error) == (500, "HTTP status 500")
    replayed = for_replay(delivery, NOW)
    assert (replayed.status, replayed.attempts, replayed.delivery_id) == (
        DeliveryStatus.PENDING, 0, delivery.delivery_id)
    done, delay = after_attempt(replayed, AttemptResult(204), NOW)
    assert (done.status, done.attempts, done.last_error, delay) == (
        DeliveryStatus.SUCCEEDED, 1, None, None)
