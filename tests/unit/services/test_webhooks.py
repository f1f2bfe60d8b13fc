"""Webhook registration, fan-out, attempts and replay on the in-memory stores and queue,
delivering for real over HTTPS to a local receiver (the SSRF-safe client is the real one).

The HTTP surface is tested in tests/unit/test_platform_routes.py (in process) and, through
the bus, the queue and the gateway, in tests/e2e/test_webhooks_api.py; the stores' and the
queue's guarantees in tests/contract.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from cms.adapters import safe_https
from cms.bootstrap import MemoryServices
from cms.config import Settings
from cms.domain.errors import (
    Conflict,
    DeliveryNotFound,
    DependencyUnavailable,
    ValidationFailed,
    WebhookHostRefused,
    WebhookLimitReached,
    WebhookNotFound,
    WebhookUrlInvalid,
)
from cms.domain.identity import Caller
from cms.domain.webhooks import (
    BACKOFF_S,
    MAX_ATTEMPTS,
    SIGNATURE_HEADER,
    AttemptMessage,
    ContractEvent,
    DeliveryStatus,
    WebhookStatus,
    verify_signature,
)
from cms.services.webhooks import USER_AGENT, Outcome, WebhookService
from tests.integration.test_did_web_fetch import _QuietServer

TIMEOUT_S = 5.0
OTHER_PARTY = "did:key:z6MkOtherPartyOfTheContract"


# --- the receiver ----------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class _Receiver(BaseHTTPRequestHandler):
    """Answers each path with its scripted statuses in turn (the last one repeats); a 302
    sends the client to /ok, which it must not follow."""

    script: dict[str, list[int]] = {}
    received: list[Received] = []
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.lock:
            self.received.append(Received(self.path, dict(self.headers.items()), body))
            statuses = self.script.get(self.path, [200])
            status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
        self.send_response(status)
        if status == 302:
            self.send_header("Location", "/ok")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


@dataclass(frozen=True)
class Endpoint:
    port: int
    ca: str

    def url(self, path: str, *statuses: int) -> str:
        path = f"{path}/{uuid.uuid4().hex}"  # a path of its own per test
        _Receiver.script[path] = list(statuses or (200,))
        return f"https://localhost:{self.port}{path}"


@pytest.fixture(scope="module")
def endpoint(webhook_tls) -> Iterator[Endpoint]:
    ca_path, cert_path, key_path = webhook_tls
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    httpd = _QuietServer(("127.0.0.1", 0), _Receiver)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield Endpoint(httpd.server_address[1], ca_path)
    httpd.shutdown()
    httpd.server_close()


def received_at(url: str) -> list[Received]:
    path = url.split(":", 2)[2].split("/", 1)[1]
    with _Receiver.lock:
        return [r for r in _Receiver.received if r.path == "/" + path]


# --- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def services(endpoint: Endpoint) -> MemoryServices:
    return MemoryServices(Settings(webhooks_allow_private=True, webhooks_ca_bundle=endpoint.ca,
                                   webhooks_timeout_s=TIMEOUT_S))


@pytest.fixture
def svc(services: MemoryServices) -> WebhookService:
    return services.webhooks


@pytest.fixture
def queue(services: MemoryServices) -> Any:
    return services.delivery_queue


def new_owner() -> Caller:
    return Caller(f"did:key:z6Mk{uuid.uuid4().hex}")


def contract_event(*parties: str, event_type: str = "contract.signed") -> ContractEvent:
    return ContractEvent.from_bus({
        "source": "cms.contracts", "detail-type": event_type, "id": str(uuid.uuid4()),
        "time": "2025-03-01T12:00:00Z",
        "detail": {"event_id": str(uuid.uuid4()), "contract_id": str(uuid.uuid4()),
                   "parties": list(parties), "status": "review", "seq": 3, "hash": "ab" * 32,
                   "at": "2025-03-01T12:00:00.000Z", "actor": parties[0],
                   "data": {"signer": parties[0]}},
    })


def first_attempt(svc: WebhookService, queue: Any, owner: Caller) -> AttemptMessage:
    """Fan an event out to ``owner`` and take its first attempt's message from the queue."""
    queued = svc.fan_out(contract_event(owner.did, OTHER_PARTY))
    assert len(queued) == 1
    [message] = queue.receive()  # delay 0: visible at once
    return message


def stored(services: MemoryServices, webhook_id: str, delivery_id: str) -> Any:
    delivery = services.webhook_store.get_delivery(webhook_id, delivery_id)
    assert delivery is not None
    return delivery


def run_until_done(svc: WebhookService, queue: Any, message: AttemptMessage) -> list[Outcome]:
    """Run the attempt, then each next one as it was enqueued (without waiting its delay)."""
    outcomes = [svc.attempt(message)]
    while outcomes[-1] is Outcome.RETRYING:
        outcomes.append(svc.attempt(queue.sent[-1].message))
    return outcomes


# --- delivery --------------------------------------------------------------------------------


def test_a_delivery_arrives_signed(services, svc, queue, endpoint):
    owner = new_owner()
    url = endpoint.url("/signed")
    webhook = svc.register(owner, url, ["contract.signed"])
    event = contract_event(owner.did, OTHER_PARTY)
    [delivery] = svc.fan_out(event)
    [message] = queue.receive()
    assert message == AttemptMessage(webhook.webhook_id, delivery.delivery_id, 1)

    assert svc.attempt(message) is Outcome.SUCCEEDED

    [request] = received_at(url)
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert verify_signature(webhook.secret, headers[SIGNATURE_HEADER.lower()], request.body,
                            time.time())
    assert not verify_signature(webhook.secret, headers[SIGNATURE_HEADER.lower()],
                                request.body + b" ", time.time())
    assert headers["cms-event-id"] == event.event_id
    assert headers["cms-delivery-id"] == delivery.delivery_id
    assert headers["cms-delivery-attempt"] == "1"
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == USER_AGENT
    assert json.loads(request.body) == {"id": delivery.delivery_id, "type": "contract.signed",
                                        "created_at": event.at, "data": event.detail}
    done = stored(services, webhook.webhook_id, delivery.delivery_id)
    assert (done.status, done.attempts, done.last_status_code) == (DeliveryStatus.SUCCEEDED,
                                                                  1, 200)
    page = svc.deliveries(owner, webhook.webhook_id, None, 20)
    assert [d.delivery_id for d in page.items] == [delivery.delivery_id]


def test_only_matching_webhooks_of_the_parties_get_a_delivery(svc, queue, endpoint):
    owner, stranger = new_owner(), new_owner()
    svc.register(owner, endpoint.url("/created-only"), ["contract.created"])
    svc.register(stranger, endpoint.url("/stranger"), [])
    assert svc.fan_out(contract_event(owner.did, OTHER_PARTY)) == []
    assert queue.receive() == []


def test_a_failed_attempt_is_retried_after_its_backoff(services, svc, queue, endpoint):
    owner, url = new_owner(), endpoint.url("/flaky", 500, 200)
    webhook = svc.register(owner, url, [])
    first = first_attempt(svc, queue, owner)

    assert svc.attempt(first) is Outcome.RETRYING
    retry = queue.sent[-1]
    assert retry.delay_s == BACKOFF_S[1] == 10
    assert retry.message == AttemptMessage(first.webhook_id, first.delivery_id, 2)
    assert queue.delayed() == 1 and queue.receive() == []  # queued, not yet visible
    pending = stored(services, webhook.webhook_id, first.delivery_id)
    assert (pending.status, pending.attempts, pending.last_status_code, pending.last_error) == (
        DeliveryStatus.PENDING, 1, 500, "HTTP status 500")
    assert pending.next_attempt_at > pending.updated_at

    assert svc.attempt(retry.message) is Outcome.SUCCEEDED
    done = stored(services, webhook.webhook_id, first.delivery_id)
    assert (done.status, done.attempts, done.last_status_code, done.last_error) == (
        DeliveryStatus.SUCCEEDED, 2, 200, None)
    # A duplicate of an attempt already made changes nothing and sends nothing.
    assert svc.attempt(retry.message) is Outcome.STALE
    assert len(received_at(url)) == 2


def test_an_always_failing_delivery_goes_dead_after_the_last_attempt(svc, queue, endpoint):
    owner, url = new_owner(), endpoint.url("/always-500", 500)
    webhook = svc.register(owner, url, [])
    outcomes = run_until_done(svc, queue, first_attempt(svc, queue, owner))

    assert outcomes == [Outcome.RETRYING] * (MAX_ATTEMPTS - 1) + [Outcome.DEAD]
    assert [queued.delay_s for queued in queue.sent[1:]] == list(BACKOFF_S[1:])
    assert len(received_at(url)) == MAX_ATTEMPTS
    [dead] = svc.deliveries(owner, webhook.webhook_id, None, 20).items
    assert (dead.status, dead.attempts, dead.next_attempt_at) == (DeliveryStatus.DEAD,
                                                                  MAX_ATTEMPTS, None)


def test_a_dead_delivery_can_be_replayed(services, svc, queue, endpoint):
    owner, url = new_owner(), endpoint.url("/recovers", *[503] * MAX_ATTEMPTS, 200)
    webhook = svc.register(owner, url, [])
    first = first_attempt(svc, queue, owner)
    assert run_until_done(svc, queue, first)[-1] is Outcome.DEAD
    queue.receive()

    replayed = svc.replay(owner, webhook.webhook_id, first.delivery_id)
    assert (replayed.status, replayed.attempts) == (DeliveryStatus.PENDING, 0)
    with pytest.raises(Conflict):  # already on its way again
        svc.replay(owner, webhook.webhook_id, first.delivery_id)
    [message] = queue.receive()
    assert svc.attempt(message) is Outcome.SUCCEEDED
    done = stored(services, webhook.webhook_id, first.delivery_id)
    assert (done.status, done.attempts, done.last_status_code) == (DeliveryStatus.SUCCEEDED,
                                                                  1, 200)
    # Same delivery id every time: receivers deduplicate on it.
    assert {r.headers["CMS-Delivery-Id"] for r in received_at(url)} == {first.delivery_id}


def test_a_replay_that_cannot_be_enqueued_is_undone(services, svc, queue, endpoint,
                                                    monkeypatch):
    owner = new_owner()
    webhook = svc.register(owner, endpoint.url("/undo", 500), [])
    first = first_attempt(svc, queue, owner)
    assert run_until_done(svc, queue, first)[-1] is Outcome.DEAD

    def unavailable(message: AttemptMessage, delay_s: int = 0) -> None:
        raise DependencyUnavailable("the queue is down")

    with monkeypatch.context() as patched:
        patched.setattr(queue, "send", unavailable)
        with pytest.raises(DependencyUnavailable):
            svc.replay(owner, webhook.webhook_id, first.delivery_id)
    # Still dead, so the owner can replay it once the queue is back.
    assert stored(services, webhook.webhook_id, first.delivery_id).status is DeliveryStatus.DEAD
    assert svc.replay(owner, webhook.webhook_id, first.delivery_id).attempts == 0


def test_replays_are_of_finished_deliveries_of_active_webhooks(services, svc, queue,
                                                               endpoint):
    owner = new_owner()
    webhook = svc.register(owner, endpoint.url("/replays"), [])
    first = first_attempt(svc, queue, owner)
    with pytest.raises(Conflict):  # never attempted yet
        svc.replay(owner, webhook.webhook_id, first.delivery_id)
    with pytest.raises(DeliveryNotFound):
        svc.replay(owner, webhook.webhook_id, "2025-03-01T12:00:00.000Z_" + "0" * 32)
    with pytest.raises(WebhookNotFound):  # not the caller's
        svc.replay(new_owner(), webhook.webhook_id, first.delivery_id)


def test_a_redirect_is_not_followed_and_counts_as_a_failure(services, svc, queue, endpoint):
    owner = new_owner()
    webhook = svc.register(owner, endpoint.url("/moved", 302), [])
    before = len(received_at(f"https://localhost:{endpoint.port}/ok"))
    first = first_attempt(svc, queue, owner)

    assert svc.attempt(first) is Outcome.RETRYING
    failed = stored(services, webhook.webhook_id, first.delivery_id)
    assert failed.last_status_code == 302
    assert failed.last_error == "HTTP status 302; redirects are not followed"
    assert len(received_at(f"https://localhost:{endpoint.port}/ok")) == before


def test_a_private_address_is_refused_at_delivery_time(services, svc, queue, endpoint):
    owner, url = new_owner(), endpoint.url("/rebound")
    webhook = svc.register(owner, url, [])
    # The name now resolves to loopback (DNS rebinding) and the deliverer allows no such thing.
    vetting = MemoryServices(Settings(webhooks_ca_bundle=endpoint.ca,
                                      webhooks_timeout_s=TIMEOUT_S)).webhook_http
    strict = WebhookService(services.webhook_store, queue, vetting)
    first = first_attempt(strict, queue, owner)

    assert strict.attempt(first) is Outcome.RETRYING
    failed = stored(services, webhook.webhook_id, first.delivery_id)
    assert failed.last_status_code is None
    assert "resolves to a non-public address" in failed.last_error
    assert received_at(url) == []


def test_a_deleted_webhooks_pending_delivery_is_dropped(services, svc, queue, endpoint):
    owner, url = new_owner(), endpoint.url("/deleted")
    webhook = svc.register(owner, url, [])
    first = first_attempt(svc, queue, owner)
    svc.delete(owner, webhook.webhook_id)

    assert svc.attempt(first) is Outcome.DROPPED
    assert stored(services, webhook.webhook_id, first.delivery_id).status is DeliveryStatus.DEAD
    assert received_at(url) == []
    with pytest.raises(WebhookNotFound):
        svc.deliveries(owner, webhook.webhook_id, None, 20)
    with pytest.raises(WebhookNotFound):
        svc.delete(owner, webhook.webhook_id)


def test_a_rotated_secret_signs_every_later_attempt_of_earlier_deliveries(services, svc,
                                                                          queue, endpoint):
    owner, url = new_owner(), endpoint.url("/rotated", 500)
    webhook = svc.register(owner, url, [])
    first = first_attempt(svc, queue, owner)
    assert svc.attempt(first) is Outcome.RETRYING  # signed with the first secret
    rotated = svc.rotate_secret(owner, webhook.webhook_id)
    assert rotated.secret != webhook.secret and len(rotated.secret) == 43
    assert svc.list_webhooks(owner) == [rotated]

    assert svc.attempt(queue.sent[-1].message) is Outcome.RETRYING  # the retry, after it
    before, after = received_at(url)
    for request, secret, other in ((before, webhook.secret, rotated.secret),
                                   (after, rotated.secret, webhook.secret)):
        header = {k.lower(): v for k, v in request.headers.items()}[SIGNATURE_HEADER.lower()]
        assert verify_signature(secret, header, request.body, time.time())
        assert not verify_signature(other, header, request.body, time.time())


def test_only_the_owner_rotates_or_switches_a_webhook(svc, endpoint):
    owner, stranger = new_owner(), new_owner()
    webhook = svc.register(owner, endpoint.url("/owned"), [])
    with pytest.raises(WebhookNotFound):
        svc.rotate_secret(stranger, webhook.webhook_id)
    with pytest.raises(WebhookNotFound):
        svc.set_status(stranger, webhook.webhook_id, WebhookStatus.DISABLED)
    with pytest.raises(WebhookNotFound):
        svc.rotate_secret(owner, str(uuid.uuid4()))
    assert svc.list_webhooks(owner) == [webhook]
    # A repeated registration (its Idempotency-Key) reads the webhook back, secret included,
    # for its owner alone.
    assert svc.registered(owner, webhook.webhook_id) == webhook
    with pytest.raises(WebhookNotFound):
        svc.registered(stranger, webhook.webhook_id)


def test_a_disabled_webhook_gets_no_deliveries_until_enabled(services, svc, queue, endpoint):
    owner, url = new_owner(), endpoint.url("/switched")
    webhook = svc.register(owner, url, [])
    pending = first_attempt(svc, queue, owner)
    off = svc.set_status(owner, webhook.webhook_id, WebhookStatus.DISABLED)
    assert svc.set_status(owner, webhook.webhook_id, WebhookStatus.DISABLED) == off  # idempotent
    assert off.status is WebhookStatus.DISABLED

    assert svc.fan_out(contract_event(owner.did, OTHER_PARTY)) == []  # no new delivery
    assert svc.attempt(pending) is Outcome.DROPPED  # the one in flight is given up
    dropped = stored(services, webhook.webhook_id, pending.delivery_id)
    assert (dropped.status, dropped.last_error) == (DeliveryStatus.DEAD,
                                                    "the webhook was deleted or disabled")
    with pytest.raises(Conflict):  # nothing is sent while it is disabled
        svc.replay(owner, webhook.webhook_id, pending.delivery_id)
    assert received_at(url) == []

    assert svc.set_status(owner, webhook.webhook_id, WebhookStatus.ACTIVE) == webhook
    replayed = svc.replay(owner, webhook.webhook_id, pending.delivery_id)
    assert svc.attempt(queue.receive()[-1]) is Outcome.SUCCEEDED
    assert [r.headers["CMS-Delivery-Id"] for r in received_at(url)] == [replayed.delivery_id]
    assert len(svc.fan_out(contract_event(owner.did, OTHER_PARTY))) == 1


def test_fan_out_twice_makes_one_delivery_per_webhook(svc, queue, endpoint):
    provider, consumer = new_owner(), new_owner()
    hooks = [svc.register(provider, endpoint.url("/twice/provider"), []),
             svc.register(consumer, endpoint.url("/twice/consumer-a"), []),
             svc.register(consumer, endpoint.url("/twice/consumer-b"), ["contract.signed"])]
    event = contract_event(provider.did, consumer.did)

    first = {d.delivery_id for d in svc.fan_out(event)}
    again = {d.delivery_id for d in svc.fan_out(event)}  # EventBridge delivered it twice

    assert len(first) == 3 and again <= first
    for hook in hooks:
        owner = provider if hook is hooks[0] else consumer
        assert len(svc.deliveries(owner, hook.webhook_id, None, 20).items) == 1
    # The duplicate messages go stale once the first attempt is recorded.
    outcomes = [svc.attempt(message) for message in queue.receive()]
    assert sorted(outcomes) == sorted([Outcome.SUCCEEDED] * 3 + [Outcome.STALE]
                                      * (len(outcomes) - 3))


def test_deliveries_are_paged_newest_first(svc, endpoint):
    owner = new_owner()
    webhook = svc.register(owner, endpoint.url("/paged"), [])
    made = [svc.fan_out(contract_event(owner.did))[0].delivery_id for _ in range(5)]
    seen, cursor = [], None
    while True:
        page = svc.deliveries(owner, webhook.webhook_id, cursor, 2)
        seen += [d.delivery_id for d in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == sorted(made, reverse=True)


# --- registration ----------------------------------------------------------------------------


@pytest.fixture
def strict(endpoint: Endpoint) -> MemoryServices:
    return MemoryServices(Settings(webhooks_ca_bundle=endpoint.ca, webhooks_timeout_s=TIMEOUT_S))


@pytest.mark.parametrize("url", ["http://hooks.example.com/cms", "https://u:p@hooks.example.com/",
                                 "https://hooks.example.com/#x", "https://" + "a" * 2048])
def test_registration_refuses_bad_urls_with_a_400(strict, url):
    owner = new_owner()
    with pytest.raises(WebhookUrlInvalid) as error:
        strict.webhooks.register(owner, url, [])
    assert error.value.status == 400
    assert strict.webhooks.list_webhooks(owner) == []


@pytest.mark.parametrize("url", ["https://127.0.0.1/hook", "https://[::1]/hook",
                                 "https://169.254.169.254/latest", "https://localhost/hook",
                                 "https://hooks.internal.example/hook"])
def test_registration_refuses_private_hosts_with_a_422(strict, monkeypatch, url):
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        if host != "hooks.internal.example":
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))]

    monkeypatch.setattr(safe_https.socket, "getaddrinfo", getaddrinfo)
    owner = new_owner()
    with pytest.raises(WebhookHostRefused) as error:
        strict.webhooks.register(owner, url, [])
    assert error.value.status == 422
    assert "10.0.0.7" not in error.value.detail
    assert strict.webhooks.list_webhooks(owner) == []


def test_unknown_event_types_are_refused(svc, endpoint):
    owner = new_owner()
    with pytest.raises(ValidationFailed):
        svc.register(owner, endpoint.url("/types"), ["contract.signed", "contract.exploded"])
    assert svc.list_webhooks(owner) == []


def test_an_identity_has_at_most_ten_webhooks(svc, endpoint):
    owner = new_owner()
    for n in range(10):
        svc.register(owner, endpoint.url(f"/many/{n}"), [])
    with pytest.raises(WebhookLimitReached):
        svc.register(owner, endpoint.url("/many/11"), [])
    listed = svc.list_webhooks(owner)
    assert len(listed) == 10
    assert listed == sorted(listed, key=lambda w: (w.created_at, w.webhook_id))


def test_rotation_and_switches_leave_a_log_line_without_the_secret(svc, endpoint, caplog):
    owner = new_owner()
    webhook = svc.register(owner, endpoint.url("/logged"), [])
    with caplog.at_level(logging.INFO, logger="cms.webhooks"):
        rotated = svc.rotate_secret(owner, webhook.webhook_id)
        svc.set_status(owner, webhook.webhook_id, WebhookStatus.DISABLED)
        svc.set_status(owner, webhook.webhook_id, WebhookStatus.ACTIVE)
    lines = [(r.action, r.caller_did, r.webhook_id) for r in caplog.records
             if hasattr(r, "action")]
    assert lines == [(action, owner.did, webhook.webhook_id)
                     for action in ("rotate_secret", "disable", "enable")]
    assert rotated.secret not in caplog.text and webhook.secret not in caplog.text


def test_fan_out_reads_the_webhooks_status_consistently(monkeypatch):
    from cms.adapters import webhook_store

    seen: list[dict[str, Any]] = []

    def query(*args: Any, **kwargs: Any) -> list[Any]:
        seen.append(kwargs)
        return []

    monkeypatch.setattr(webhook_store.WebhookRecord, "query", query)
    store = webhook_store.DynamoWebhookStore.__new__(webhook_store.DynamoWebhookStore)
    assert store.active_for(["did:key:a", "did:key:b"]) == []
    assert [kwargs.get("consistent_read") for kwargs in seen] == [True, True]
