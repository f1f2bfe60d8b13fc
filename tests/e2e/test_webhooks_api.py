"""Webhooks on the local stack: a party registers an HTTPS endpoint and receives its
contracts' lifecycle events, signed, through the bus, the deliveries queue and function."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cms_client import ApiError
from tests.webhook_receiver import https_receiver, received

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def receiver(webhook_tls) -> Iterator[int]:
    with https_receiver(webhook_tls) as port:
        yield port


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
    for delivery in deliveries:
        assert delivery.signed_with(secret)
        assert not replace(delivery, body=delivery.body + b" ").signed_with(secret)
    payloads = [delivery.payload for delivery in deliveries]
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
    assert again[-1].headers["CMS-Delivery-Id"] == replayed["id"]


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
    [delivery] = received(path, 1)
    assert delivery.signed_with(rotated["secret"])
    assert not delivery.signed_with(hook["secret"])

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
