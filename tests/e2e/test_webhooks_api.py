"""Webhooks on the local stack: a party registers an HTTPS endpoint and receives its
contracts' lifecycle events, signed, through the bus, the deliveries queue and function."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cms.domain.webhooks import verify_signature
from cms_client import ApiError

pytestmark = pytest.mark.e2e


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[str, dict[str, str], bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.received.append((self.path, dict(self.headers.items()), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def receiver(webhook_tls) -> Iterator[int]:
    _, cert, key = webhook_tls
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def received(path: str, count: int, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [r for r in _Receiver.received if r[0] == path]
        if len(found) >= count:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{path}: {len([r for r in _Receiver.received if r[0] == path])} "
                         f"deliveries, expected {count}")


def test_a_party_receives_its_contracts_events_signed(new_party, receiver):
    provider, consumer = new_party("eth"), new_party("ed25519")
    path = f"/hooks/{time.time_ns()}"
    hook = consumer.client._call("POST", "/api/v1/webhooks", {
        "url": f"https://localhost:{receiver}{path}",
        "event_types": ["contract.submitted", "contract.signed"]})
    secret = hook["secret"]
    assert "secret" not in consumer.client._call("GET", "/api/v1/webhooks")["items"][0]
    now = datetime.now(UTC)
    contract = provider.client.create_contract({
        "title": "Hooked", "consumer_did": consumer.did, "terms": {"a": 1},
        "valid_from": now.isoformat(), "valid_until": (now + timedelta(days=1)).isoformat()})
    provider.client.transition(contract["id"], "submit")
    provider.client.sign_contract(contract["id"], provider.signer)
    try:
        deliveries = received(path, 2)
    except AssertionError as missing:  # say where the deliveries are (CI has shown a stall)
        listed = consumer.client._call("GET", f"/api/v1/webhooks/{hook['id']}/deliveries")
        raise AssertionError(f"{missing}; deliveries: {listed['items']}") from None
    for _, headers, body in deliveries:
        assert verify_signature(secret, headers["CMS-Signature"], body, time.time())
        assert not verify_signature(secret, headers["CMS-Signature"], body + b" ", time.time())
    payloads = [json.loads(body) for _, _, body in deliveries]
    assert [p["type"] for p in payloads] == ["contract.submitted", "contract.signed"]
    assert all(p["data"]["contract_id"] == contract["id"] for p in payloads)
    deliveries_path = f"/api/v1/webhooks/{hook['id']}/deliveries"
    listed = consumer.client._call("GET", deliveries_path)
    assert {d["status"] for d in listed["items"]} == {"succeeded"}
    # The cursor (the last id, with its ":"s) goes through the gateway's query string.
    first = consumer.client._call("GET", deliveries_path, params={"limit": 1})
    rest = consumer.client._call("GET", deliveries_path,
                                 params={"limit": 1, "cursor": first["next_cursor"]})
    assert [first["items"][0]["id"], rest["items"][0]["id"]] == [
        d["id"] for d in listed["items"]]
    replayed = listed["items"][0]
    consumer.client._call("POST", f"/api/v1/webhooks/{hook['id']}/deliveries/"
                                  f"{replayed['id']}/replay")
    again = received(path, 3)
    assert again[-1][1]["CMS-Delivery-Id"] == replayed["id"]


def test_a_rotated_secret_signs_the_next_delivery_and_a_disabled_webhook_gets_none(
        new_party, receiver):
    provider, consumer = new_party("eth"), new_party("ed25519")
    path = f"/hooks/{time.time_ns()}"
    hook = consumer.client.create_webhook(f"https://localhost:{receiver}{path}",
                                          ["contract.submitted", "contract.signed"])
    stranger = new_party("eth")
    for call in (lambda: stranger.client.rotate_webhook_secret(hook["id"]),
                 lambda: stranger.client.set_webhook_status(hook["id"], "disabled")):
        with pytest.raises(ApiError) as refused:
            call()
        assert (refused.value.status, refused.value.code) == (404, "webhook_not_found")
    rotated = consumer.client.rotate_webhook_secret(hook["id"])
    assert rotated["secret"] != hook["secret"] and rotated["id"] == hook["id"]
    now = datetime.now(UTC)
    contract = provider.client.create_contract({
        "title": "Rotated", "consumer_did": consumer.did, "terms": {"a": 1},
        "valid_from": now.isoformat(), "valid_until": (now + timedelta(days=1)).isoformat()})
    provider.client.transition(contract["id"], "submit")
    [(_, headers, body)] = received(path, 1)
    assert verify_signature(rotated["secret"], headers["CMS-Signature"], body, time.time())
    assert not verify_signature(hook["secret"], headers["CMS-Signature"], body, time.time())

    witness_path = f"/hooks/{time.time_ns()}-witness"
    consumer.client.create_webhook(f"https://localhost:{receiver}{witness_path}",
                                   ["contract.signed"])
    assert consumer.client.set_webhook_status(hook["id"], "disabled")["status"] == "disabled"
    assert consumer.client.set_webhook_status(hook["id"], "disabled")["status"] == "disabled"
    provider.client.sign_contract(contract["id"], provider.signer)
    # One fan-out serves both webhooks of the event: once the witness has it, the disabled
    # webhook has been passed over.
    received(witness_path, 1)
    assert len(received(path, 1)) == 1
    assert len(consumer.client.webhook_deliveries(hook["id"])["items"]) == 1
