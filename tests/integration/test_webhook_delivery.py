"""Webhook fan-out and delivery against a real local HTTPS receiver, with the real pynamodb
models and SQS queue on moto's threaded server."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from cms.adapters import aws as aws_clients
from cms.adapters import dynamo, safe_https
from cms.adapters.delivery_queue import DeliveryQueue
from cms.adapters.safe_https import SafeHttpsClient, Wording
from cms.adapters.tables import DeliveryRecord, WebhookRecord, _Meta
from cms.adapters.webhook_store import WebhookStore
from cms.config import Settings
from cms.domain.errors import (
    Conflict,
    DependencyUnavailable,
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
    ContractEvent,
    DeliveryStatus,
    verify_signature,
)
from cms.services.webhooks import USER_AGENT, AttemptMessage, Outcome, WebhookService
from tests.integration.test_did_web_fetch import _QuietServer, _write_certificates

TIMEOUT_S = 5.0
OTHER_PARTY = "did:key:z6MkOtherPartyOfTheContract"


def _free_port() -> int:
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port != 5000:
            return port


# --- local AWS -------------------------------------------------------------------------------


def _forget_connections() -> None:
    """pynamodb keeps a client per model, dynamo.py one for transactions and aws.py one per
    service: make new ones against whatever endpoint the environment names now."""
    for model in (WebhookRecord, DeliveryRecord):
        model._connection = None
    dynamo._connection = None
    aws_clients.client.cache_clear()


@pytest.fixture(scope="module")
def aws() -> Iterator[None]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    with pytest.MonkeyPatch.context() as env:
        for name, value in {
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": _Meta.region, "AWS_REGION": _Meta.region,
        }.items():
            env.setenv(name, value)
        _forget_connections()
        WebhookRecord.create_table(wait=True)
        DeliveryRecord.create_table(wait=True)
        yield
        _forget_connections()
    server.stop()


@dataclass
class Queue:
    """The real SQS queue, plus what was sent (SQS does not show a message's delay)."""

    url: str
    sqs: Any
    sent: list[tuple[dict[str, Any], int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._real = DeliveryQueue(self.url)

    def send(self, message: dict[str, Any], delay_s: int = 0) -> None:
        self._real.send(message, delay_s)
        self.sent.append((message, delay_s))

    def receive(self) -> list[dict[str, Any]]:
        """Visible messages (deleted once read)."""
        found = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10,
                                         WaitTimeSeconds=0).get("Messages", [])
        for message in found:
            self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return [json.loads(message["Body"]) for message in found]

    def delayed(self) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])
        return int(attributes["Attributes"]["ApproximateNumberOfMessagesDelayed"])


@pytest.fixture
def queue(aws: None) -> Queue:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=f"deliveries-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    return Queue(url, sqs)


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
        _Receiver.script[path] = list(statuses or (200,))
        return f"https://localhost:{self.port}{path}"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    ca_path, cert_path, key_path = _write_certificates(tmp_path_factory.mktemp("tls"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    httpd = _QuietServer(("127.0.0.1", 0), _Receiver)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield Endpoint(httpd.server_address[1], str(ca_path))
    httpd.shutdown()
    httpd.server_close()


def received_at(path: str) -> list[Received]:
    with _Receiver.lock:
        return [r for r in _Receiver.received if r.path == path]


# --- helpers ---------------------------------------------------------------------------------


def http_client(ca: str, *, allow_private: bool = True) -> SafeHttpsClient:
    return SafeHttpsClient(Wording("webhook", "webhooks are only delivered over https",
                                   "delivering to"),
                           allow_private=allow_private, timeout_s=TIMEOUT_S, ca_bundle=ca)


def service(queue: Queue, endpoint: Endpoint, *, allow_private: bool = True) -> WebhookService:
    return WebhookService(WebhookStore(), queue,
                          http_client(endpoint.ca, allow_private=allow_private),
                          allow_private=allow_private)


def new_owner() -> Caller:
    return Caller(f"did:key:z6Mk{uuid.uuid4().hex}")


def contract_event(*parties: str, event_type: str = "contract.signed",
                   event_id: str | None = None) -> ContractEvent:
    return ContractEvent.from_bus({
        "source": "cms.contracts", "detail-type": event_type, "id": str(uuid.uuid4()),
        "time": "2025-03-01T12:00:00Z",
        "detail": {"event_id": event_id or str(uuid.uuid4()), "contract_id": str(uuid.uuid4()),
                   "parties": list(parties), "status": "review", "seq": 3, "hash": "ab" * 32,
                   "at": "2025-03-01T12:00:00.000Z", "actor": parties[0],
                   "data": {"signer": parties[0]}},
    })


def first_attempt(svc: WebhookService, queue: Queue, owner: Caller) -> AttemptMessage:
    """Fan an event out to ``owner`` and take its first attempt's message from SQS."""
    queued = svc.fan_out(contract_event(owner.did, OTHER_PARTY))
    assert len(queued) == 1
    [body] = queue.receive()  # delay 0: visible at once
    return AttemptMessage.from_json(body)


def stored(webhook_id: str, delivery_id: str) -> Any:
    delivery = WebhookStore().get_delivery(webhook_id, delivery_id)
    assert delivery is not None
    return delivery


def run_until_done(svc: WebhookService, queue: Queue, message: AttemptMessage) -> list[Outcome]:
    """Run the attempt, then each next one as it was enqueued (without waiting its delay)."""
    outcomes = [svc.attempt(message)]
    while outcomes[-1] is Outcome.RETRYING:
        next_message, _ = queue.sent[-1]
        outcomes.append(svc.attempt(AttemptMessage.from_json(next_message)))
    return outcomes


# --- tests -----------------------------------------------------------------------------------


def test_a_delivery_arrives_signed(queue: Queue, endpoint: Endpoint) -> None:
    svc, owner = service(queue, endpoint), new_owner()
    webhook = svc.register(owner, endpoint.url("/signed"), ["contract.signed"])
    event = contract_event(owner.did, OTHER_PARTY)
    [delivery] = svc.fan_out(event)
    [body] = queue.receive()
    assert body == {"webhook_id": webhook.webhook_id, "delivery_id": delivery.delivery_id,
                    "attempt": 1}

    assert svc.attempt(AttemptMessage.from_json(body)) is Outcome.SUCCEEDED

    [request] = received_at("/signed")
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert verify_signature(webhook.secret, headers[SIGNATURE_HEADER.lower()], request.body,
                            time.time())
    assert not verify_signature(webhook.secret, headers[SIGNATURE_HEADER.lower()],
                                request.body + b" ", time.time())
    assert headers["cms-event-id"] == event.event_id
    assert headers["cms-delivery-id"] == delivery.delivery_id
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == USER_AGENT
    assert json.loads(request.body) == {"id": delivery.delivery_id, "type": "contract.signed",
                                        "created_at": event.at, "data": event.detail}
    done = stored(webhook.webhook_id, delivery.delivery_id)
    assert (done.status, done.attempts, done.last_status_code) == (DeliveryStatus.SUCCEEDED,
                                                                  1, 200)
    page = svc.deliveries(owner, webhook.webhook_id, None, 20)
    assert [d.delivery_id for d in page.items] == [delivery.delivery_id]


def test_only_matching_webhooks_of_the_parties_get_a_delivery(queue: Queue,
                                                              endpoint: Endpoint) -> None:
    svc, owner, stranger = service(queue, endpoint), new_owner(), new_owner()
    svc.register(owner, endpoint.url("/created-only"), ["contract.created"])
    svc.register(stranger, endpoint.url("/stranger"), [])
    assert svc.fan_out(contract_event(owner.did, OTHER_PARTY)) == []
    assert queue.receive() == []


def test_a_failed_attempt_is_retried_after_its_backoff(queue: Queue, endpoint: Endpoint) -> None:
    svc, owner = service(queue, endpoint), new_owner()
    webhook = svc.register(owner, endpoint.url("/flaky", 500, 200), [])
    first = first_attempt(svc, queue, owner)

    assert svc.attempt(first) is Outcome.RETRYING
    retry, delay = queue.sent[-1]
    assert delay == BACKOFF_S[1] == 10
    assert retry == {**first.to_json(), "attempt": 2}
    assert queue.delayed() == 1 and queue.receive() == []  # in SQS, not yet visible
    pending = stored(webhook.webhook_id, first.delivery_id)
    assert (pending.status, pending.attempts, pending.last_status_code, pending.last_error) == (
        DeliveryStatus.PENDING, 1, 500, "HTTP status 500")
    assert pending.next_attempt_at > pending.updated_at

    assert svc.attempt(AttemptMessage.from_json(retry)) is Outcome.SUCCEEDED
    done = stored(webhook.webhook_id, first.delivery_id)
    assert (done.status, done.attempts, done.last_status_code, done.last_error) == (
        DeliveryStatus.SUCCEEDED, 2, 200, None)
    # A duplicate of an attempt already made changes nothing and sends nothing.
    assert svc.attempt(AttemptMessage.from_json(retry)) is Outcome.STALE
    assert len(received_at("/flaky")) == 2


def test_an_always_failing_delivery_goes_dead_after_the_last_attempt(
        queue: Queue, endpoint: Endpoint) -> None:
    svc, owner = service(queue, endpoint), new_owner()
    webhook = svc.register(owner, endpoint.url("/always-500", 500), [])
    outcomes = run_until_done(svc, queue, first_attempt(svc, queue, owner))

    assert outcomes == [Outcome.RETRYING] * (MAX_ATTEMPTS - 1) + [Outcome.DEAD]
    assert [delay for _, delay in queue.sent[1:]] == list(BACKOFF_S[1:])
    assert len(received_at("/always-500")) == MAX_ATTEMPTS
    [dead] = svc.deliveries(owner, webhook.webhook_id, None, 20).items
    assert (dead.status, dead.attempts, dead.next_attempt_at) == (DeliveryStatus.DEAD,
                                                                  MAX_ATTEMPTS, None)


def test_a_dead_delivery_can_be_replayed(queue: Queue, endpoint: Endpoint) -> None:
    svc, owner = service(queue, endpoint), new_owner()
    webhook = svc.register(owner, endpoint.url("/recovers", *[503] * MAX_ATTEMPTS, 200), [])
    first = first_attempt(svc, queue, owner)
    assert run_until_done(svc, queue, first)[-1] is Outcome.DEAD
    queue.receive()

    replayed = svc.replay(owner, webhook.webhook_id, first.delivery_id)
    assert (replayed.status, replayed.attempts) == (DeliveryStatus.PENDING, 0)
    with pytest.raises(Conflict):  # already on its way again
        svc.replay(owner, webhook.webhook_id, first.delivery_id)
    [body] = queue.receive()
    assert svc.attempt(AttemptMessage.from_json(body)) is Outcome.SUCCEEDED
    done = stored(webhook.webhook_id, first.delivery_id)
    assert (done.status, done.attempts, done.last_status_code) == (DeliveryStatus.SUCCEEDED,
                                                                  1, 200)
    # Same delivery id every time: receivers deduplicate on it.
    ids = {r.headers["CMS-Delivery-Id"] for r in received_at("/recovers")}
    assert ids == {first.delivery_id}


def test_a_replay_that_cannot_be_enqueued_is_undone(queue: Queue, endpoint: Endpoint) -> None:
    svc, owner = service(queue, endpoint), new_owner()
    webhook = svc.register(owner, endpoint.url("/undo", 500), [])
    first = first_attempt(svc, queue, owner)
    assert run_until_done(svc, queue, first)[-1] is Outcome.DEAD

    broken = WebhookService(WebhookStore(), DeliveryQueue(None), http_client(endpoint.ca))
    with pytest.raises(DependencyUnavailable):
        broken.replay(owner, webhook.webhook_id, first.delivery_id)
    # Still dead, so the owner can replay it once the queue is back.
    assert stored(webhook.webhook_id, first.delivery_id).status is DeliveryStatus.DEAD
    assert svc.replay(owner, webhook.webhook_id, first.delivery_id).attempts == 0


def test_a_redirect_is_not_followed_and_counts_as_a_failure(queue: Queue,
                                                            endpoint: Endpoint) -> None:
    svc, owner = service(queue, endpoint), new_owner()
    webhook = svc.register(owner, endpoint.url("/moved", 302), [])
    before = len(received_at("/ok"))
    first = first_attempt(svc, queue, owner)

    assert svc.attempt(first) is Outcome.RETRYING
    failed = stored(webhook.webhook_id, first.delivery_id)
    assert failed.last_status_code == 302
    assert failed.last_error == "HTTP status 302; redirects are not followed"
    assert len(received_at("/ok")) == before


def test_a_private_address_is_refused_at_delivery_time(queue: Queue,
                                                       endpoint: Endpoint) -> None:
    owner = new_owner()
    webhook = service(queue, endpoint).register(owner, endpoint.url("/rebound"), [])
    # The name now resolves to loopback (DNS rebinding) and the deliverer allows no such thing.
    strict = WebhookService(WebhookStore(), queue, http_client(endpoint.ca, allow_private=False))
    first = first_attempt(strict, queue, owner)

    assert strict.attempt(first) is Outcome.RETRYING
    failed = stored(webhook.webhook_id, first.delivery_id)
    assert failed.last_status_code is None
    assert "resolves to a non-public address" in failed.last_error
    assert received_at("/rebound") == []


def test_a_deleted_webhooks_pending_delivery_is_dropped(queue: Queue,
                                                        endpoint: Endpoint) -> None:
    svc, owner = service(queue, endpoint), new_owner()
    webhook = svc.register(owner, endpoint.url("/deleted"), [])
    first = first_attempt(svc, queue, owner)
    svc.delete(owner, webhook.webhook_id)

    assert svc.attempt(first) is Outcome.DROPPED
    assert stored(webhook.webhook_id, first.delivery_id).status is DeliveryStatus.DEAD
    assert received_at("/deleted") == []
    with pytest.raises(WebhookNotFound):
        svc.deliveries(owner, webhook.webhook_id, None, 20)


def _nothing_written(owner: Caller) -> bool:
    return WebhookStore().owned_by(owner.did) == []


@pytest.mark.parametrize("url", ["http://hooks.example.com/cms", "https://u:p@hooks.example.com/",
                                 "https://hooks.example.com/#x"])
def test_registration_refuses_bad_urls_with_a_400(queue: Queue, endpoint: Endpoint,
                                                  url: str) -> None:
    svc, owner = service(queue, endpoint, allow_private=False), new_owner()
    with pytest.raises(WebhookUrlInvalid) as error:
        svc.register(owner, url, [])
    assert error.value.status == 400
    assert _nothing_written(owner)


@pytest.mark.parametrize("url", ["https://127.0.0.1/hook", "https://[::1]/hook",
                                 "https://169.254.169.254/latest", "https://localhost/hook",
                                 "https://hooks.internal.example/hook"])
def test_registration_refuses_private_hosts_with_a_422(
        queue: Queue, endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        if host != "hooks.internal.example":  # moto, for one
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))]

    monkeypatch.setattr(safe_https.socket, "getaddrinfo", getaddrinfo)
    svc, owner = service(queue, endpoint, allow_private=False), new_owner()
    with pytest.raises(WebhookHostRefused) as error:
        svc.register(owner, url, [])
    assert error.value.status == 422
    assert "10.0.0.7" not in error.value.detail
    assert _nothing_written(owner)


def test_an_identity_has_at_most_ten_webhooks(queue: Queue, endpoint: Endpoint) -> None:
    svc, owner = service(queue, endpoint), new_owner()
    for n in range(10):
        svc.register(owner, endpoint.url(f"/many/{n}"), [])
    with pytest.raises(WebhookLimitReached):
        svc.register(owner, endpoint.url("/many/11"), [])
    assert len(svc.list_webhooks(owner)) == 10


def test_fan_out_twice_makes_one_delivery_per_webhook(queue: Queue, endpoint: Endpoint) -> None:
    svc, provider, consumer = service(queue, endpoint), new_owner(), new_owner()
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
    outcomes = [svc.attempt(AttemptMessage.from_json(body)) for body in queue.receive()]
    assert sorted(outcomes) == sorted([Outcome.SUCCEEDED] * 3 + [Outcome.STALE]
                                      * (len(outcomes) - 3))


def test_deliveries_are_paged_newest_first(queue: Queue, endpoint: Endpoint) -> None:
    svc, owner = service(queue, endpoint), new_owner()
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


# --- the functions ---------------------------------------------------------------------------


@dataclass
class _LambdaContext:
    function_name: str = "test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:test"
    aws_request_id: str = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@dataclass
class Functions:
    webhooks: Any
    deliveries: Any


@pytest.fixture
def wired(queue: Queue, endpoint: Endpoint) -> Iterator[Functions]:
    """Instances of the webhooks and deliveries functions of their own, configured as their
    definitions would be against this module's AWS."""
    from local_stack.lambdas import fresh_instance

    settings = Settings.from_environ({
        "AWS_REGION": _Meta.region, "CMS_DELIVERIES_QUEUE_URL": queue.url,
        "CMS_WEBHOOKS_TABLE": WebhookRecord.Meta.table_name,
        "CMS_DELIVERIES_TABLE": DeliveryRecord.Meta.table_name,
        "CMS_WEBHOOKS_ALLOW_PRIVATE": "true", "CMS_WEBHOOKS_CA_BUNDLE": endpoint.ca})
    functions = Functions(fresh_instance("functions.webhooks.app"),
                          fresh_instance("functions.deliveries.app"))
    for function in (functions.webhooks, functions.deliveries):
        function.runtime.configure(settings)
    yield functions


def _api_event(method: str, path: str, did: str, body: dict[str, Any] | None = None) -> dict:
    return {
        "resource": path, "path": path, "httpMethod": method,
        "headers": {"content-type": "application/json"}, "multiValueHeaders": {},
        "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "pathParameters": None, "stageVariables": None, "isBase64Encoded": False,
        "body": json.dumps(body) if body is not None else None,
        "requestContext": {"authorizer": {"did": did, "roles": ""}, "httpMethod": method,
                           "path": path, "resourcePath": path, "stage": "test",
                           "requestId": "req-1", "identity": {"sourceIp": "127.0.0.1"}},
    }


def test_the_http_routes(wired: Functions, endpoint: Endpoint) -> None:
    handler = wired.webhooks.handler

    owner, context = new_owner(), _LambdaContext()
    created = handler(_api_event("POST", "/api/v1/webhooks", owner.did,
                                 {"url": endpoint.url("/api"),
                                  "event_types": ["contract.signed"]}), context)
    assert created["statusCode"] == 201
    webhook = json.loads(created["body"])
    assert webhook["secret"] and webhook["event_types"] == ["contract.signed"]

    listed = handler(_api_event("GET", "/api/v1/webhooks", owner.did), context)
    assert [w["id"] for w in json.loads(listed["body"])["items"]] == [webhook["id"]]
    assert "secret" not in json.loads(listed["body"])["items"][0]

    refused = handler(_api_event("POST", "/api/v1/webhooks", owner.did,
                                 {"url": "http://hooks.example.com/"}), context)
    assert (refused["statusCode"], json.loads(refused["body"])["code"]) == (
        400, "webhook_url_invalid")

    one = f"/api/v1/webhooks/{webhook['id']}"
    assert handler(_api_event("GET", one + "/deliveries", new_owner().did),
                   context)["statusCode"] == 404  # another identity's webhook
    assert handler(_api_event("DELETE", one, owner.did), context)["statusCode"] == 204
    gone = handler(_api_event("DELETE", one, owner.did), context)
    assert (gone["statusCode"], json.loads(gone["body"])["code"]) == (404, "webhook_not_found")


def test_the_deliveries_function(wired: Functions, queue: Queue, endpoint: Endpoint) -> None:
    handler = wired.deliveries.handler
    owner = new_owner()
    webhook = wired.deliveries.runtime.services.webhooks.register(owner, endpoint.url("/function"),
                                                                  [])
    event = contract_event(owner.did)
    bus_event = {"source": "cms.contracts", "detail-type": event.type, "id": "eb-1",
                 "detail": event.detail}
    assert handler(bus_event, _LambdaContext())["deliveries"] == 1
    [body] = queue.receive()

    batch = {"Records": [
        {"messageId": "m-1", "eventSource": "aws:sqs", "body": json.dumps(body)},
        {"messageId": "m-2", "eventSource": "aws:sqs", "body": "not json"},
        {"messageId": "m-3", "eventSource": "aws:sqs",  # names a delivery that is not there
         "body": json.dumps({**body, "delivery_id": "x"})},
    ]}
    assert handler(batch, _LambdaContext()) == {"batchItemFailures": []}
    [request] = received_at("/function")
    assert verify_signature(webhook.secret, request.headers[SIGNATURE_HEADER], request.body,
                            time.time())


def test_an_unreachable_database_is_a_batch_item_failure(wired: Functions, queue: Queue,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    handler = wired.deliveries.handler

    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{_free_port()}")  # nothing there
    _forget_connections()
    try:
        message = {"webhook_id": "w", "delivery_id": "2025-03-01T12:00:00.000Z_" + "0" * 32,
                   "attempt": 1}
        batch = {"Records": [{"messageId": "m-1", "eventSource": "aws:sqs",
                              "body": json.dumps(message)}]}
        assert handler(batch, _LambdaContext()) == {"batchItemFailures": [
            {"itemIdentifier": "m-1"}]}
    finally:
        monkeypatch.undo()
        _forget_connections()

