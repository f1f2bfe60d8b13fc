"""Polling clients read with If-None-Match: every GET carries an ETag, an unchanged resource
answers 304 without a body, a changed one 200 with a new tag; browsers may send and read
both (CORS)."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.e2e
ORIGIN = "https://app.example"


def get(stack, party, path, tag=None):
    headers = {"Authorization": f"Bearer {party.client.token}", "Origin": ORIGIN}
    if tag is not None:
        headers["If-None-Match"] = tag
    return httpx.get(stack.url + path, headers=headers, timeout=30)


def assert_revalidates(stack, party, path):
    """The resource as it is now: 200 with a tag, then 304 for that tag; returns the tag."""
    first = get(stack, party, path)
    assert first.status_code == 200, first.text
    tag = first.headers["etag"]
    assert tag.startswith('"') and first.headers["cache-control"] == "private, no-cache"
    assert "etag" in first.headers["access-control-expose-headers"].lower()
    again = get(stack, party, path, tag)
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == tag
    assert get(stack, party, path, f'W/{tag}, "other"').status_code == 304  # weak, a list
    assert get(stack, party, path, "*").status_code == 304
    assert get(stack, party, path, '"stale"').status_code == 200
    return tag


@pytest.fixture
def draft(new_party):
    provider, consumer = new_party("eth"), new_party("ed25519")
    contract = provider.client.create_contract({
        "title": "Polled", "consumer_did": consumer.did, "terms": {"purpose": "eval"},
        "valid_from": "2030-01-01T00:00:00Z", "valid_until": "2031-01-01T00:00:00Z"})
    return provider, contract


def test_a_contract_and_its_events_revalidate_until_they_change(stack, draft):
    provider, contract = draft
    one = f"/api/v1/contracts/{contract['id']}"
    contract_tag = assert_revalidates(stack, provider, one)
    events_tag = assert_revalidates(stack, provider, one + "/events")
    provider.client.update_contract(contract["id"], {"title": "Polled, renamed"})
    changed = get(stack, provider, one, contract_tag)
    assert changed.status_code == 200 and changed.json()["title"] == "Polled, renamed"
    assert changed.headers["etag"] != contract_tag
    assert get(stack, provider, one + "/events", events_tag).status_code == 200


def test_an_engine_contract_revalidates(stack, new_party):
    owner = new_party("eth")
    deployed = owner.client.deploy_engine_contract(
        "erc20", name="Polled", init_args={"name": "Polled", "symbol": "POL",
                                           "initial_supply": "1000"})
    path = f"/api/v1/engine/contracts/{deployed['address']}"
    tag = assert_revalidates(stack, owner, path)
    owner.client.execute(deployed["address"], "transfer",
                         {"to": "0x" + "11" * 20, "value": "1"})
    assert get(stack, owner, path, tag).status_code == 200  # its execution count moved


def test_another_partys_tag_reveals_nothing(stack, draft, new_party):
    provider, contract = draft
    tag = get(stack, provider, f"/api/v1/contracts/{contract['id']}").headers["etag"]
    stranger = new_party("ed25519")
    response = get(stack, stranger, f"/api/v1/contracts/{contract['id']}", tag)
    assert response.status_code == 404  # not 304: visibility is checked first


def test_browsers_may_send_if_none_match(stack):
    response = httpx.options(stack.url + "/api/v1/contracts", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match"})
    assert response.status_code == 204
    assert "if-none-match" in response.headers["access-control-allow-headers"].lower()
