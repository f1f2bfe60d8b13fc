"""Contracts over HTTP on the local stack: what only the stack shows (the SDK against the
gateway, the scheduled expiry, idempotency kept in DynamoDB, concurrent Lambda instances).
The rules themselves are tested on the services in memory (tests/unit/services)."""

from __future__ import annotations

import itertools
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import rfc8785

from cms_client import ApiError

pytestmark = pytest.mark.e2e


def body(consumer_did: str, **changes):
    now = datetime.now(UTC)
    return {
        "title": "Training data licence",
        "description": "DP training on provider data",
        "consumer_did": consumer_did,
        "terms": {"purpose": "training", "epsilon": 3.0, "price": {"amount": 100, "cur": "EUR"}},
        "valid_from": (now - timedelta(minutes=1)).isoformat(),
        "valid_until": (now + timedelta(days=30)).isoformat(),
        **changes,
    }


def expect_error(call, status, code):
    with pytest.raises(ApiError) as error:
        call()
    assert error.value.status == status, error.value.problem
    assert code is None or error.value.code == code, error.value.problem
    return error.value.problem


@pytest.fixture
def parties(new_party):
    return new_party("eth"), new_party("ed25519")


def signed_contract(provider, consumer, *, starts_in: float = 3600):
    """Signed by both. By default valid only from an hour on, so that it stays `signed` (the
    lifecycle workflow activates a contract at valid_from); negative: already valid."""
    now = datetime.now(UTC)
    contract = provider.client.create_contract(body(
        consumer.did, valid_from=(now + timedelta(seconds=starts_in)).isoformat(),
        valid_until=(now + timedelta(days=30)).isoformat()))
    provider.client.transition(contract["id"], "submit")
    provider.client.sign_contract(contract["id"], provider.signer)
    return consumer.client.sign_contract(contract["id"], consumer.signer)


def test_full_lifecycle_with_both_key_types(parties):
    provider, consumer = parties
    created = provider.client.create_contract(body(consumer.did))
    assert created["status"] == "draft" and created["provider_did"] == provider.did
    assert created["digest"] is None and created["version"] == 1
    submitted = provider.client.transition(created["id"], "submit")
    content = {k: submitted[k] for k in ("title", "description", "provider_did", "consumer_did",
                                         "terms", "metadata", "valid_from", "valid_until")}
    import hashlib

    expected = hashlib.sha256(rfc8785.dumps(
        {"schema": "cms.contract/v1", "id": created["id"], **content})).hexdigest()
    assert submitted["status"] == "review" and submitted["digest"] == expected
    assert submitted["pending_signers"] == [provider.did, consumer.did]
    after_one = provider.client.sign_contract(created["id"], provider.signer)
    assert after_one["status"] == "review" and after_one["pending_signers"] == [consumer.did]
    signed = consumer.client.sign_contract(created["id"], consumer.signer)
    assert signed["status"] == "signed"
    schemes = {s["signer_did"]: s["scheme"] for s in signed["signatures"]}
    assert schemes == {provider.did: "eip712", consumer.did: "ed25519-prefixed-digest"}
    assert consumer.client.transition(created["id"], "activate")["status"] == "active"
    assert provider.client.transition(created["id"], "complete")["status"] == "completed"
    events = consumer.client.events(created["id"])
    assert [e["type"] for e in events] == [
        "contract.created", "contract.submitted", "contract.signed", "contract.signed",
        "contract.activated", "contract.completed"]
    assert [e["seq"] for e in events] == list(range(6))
    assert all(e["prev_hash"] == p["hash"] for p, e in itertools.pairwise(events))
    report = provider.client.verify(created["id"])
    assert report["valid"] and all(c["ok"] for c in report["checks"]), report


def test_contracts_expire_at_valid_until(parties):
    provider, consumer = parties
    now = datetime.now(UTC)
    contract = provider.client.create_contract(body(
        consumer.did, valid_from=(now - timedelta(minutes=1)).isoformat(),
        valid_until=(now + timedelta(seconds=4)).isoformat()))
    provider.client.transition(contract["id"], "submit")
    provider.client.sign_contract(contract["id"], provider.signer)
    consumer.client.sign_contract(contract["id"], consumer.signer)
    provider.client.transition(contract["id"], "activate")
    deadline = time.monotonic() + 20
    while provider.client.get_contract(contract["id"])["status"] != "expired":
        assert time.monotonic() < deadline, "the scheduled expiry did not run"
        time.sleep(0.5)
    events = provider.client.events(contract["id"])
    assert events[-1]["type"] == "contract.expired" and events[-1]["actor"] == "system:lifecycle"
    assert provider.client.verify(contract["id"])["valid"]


def test_idempotency_key_returns_the_same_contract(parties):
    provider, consumer = parties
    key = str(uuid.uuid4())
    data = body(consumer.did)
    first = provider.client.create_contract(data, idempotency_key=key)
    second = provider.client.create_contract(data, idempotency_key=key)
    assert first == second
    mine = provider.client.list_contracts(role="provider", limit=100)["items"]
    assert [c["id"] for c in mine].count(first["id"]) == 1 and len(mine) == 1
    expect_error(lambda: provider.client.create_contract({**data, "title": "Other"},
                                                         idempotency_key=key),
                 422, "idempotency_key_reused")
    # The same key from another caller is another request.
    other = consumer.client.create_contract(body(provider.did), idempotency_key=key)
    assert other["id"] != first["id"]


def test_concurrent_creates_all_land(parties):
    provider, consumer = parties
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(6) as pool:
        created = list(pool.map(lambda i: provider.client.create_contract(
            body(consumer.did, title=f"parallel {i}"))["id"], range(12)))
    listed = provider.client.list_contracts(role="provider", limit=100)["items"]
    assert sorted(created) == sorted(c["id"] for c in listed)
