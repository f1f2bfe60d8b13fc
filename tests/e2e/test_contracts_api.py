"""Contracts over HTTP: lifecycle, signatures, visibility, idempotency, concurrency, paging."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
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


def test_signing_payloads_are_domain_separated(parties):
    provider, consumer = parties
    contract = provider.client.create_contract(body(consumer.did))
    provider.client.transition(contract["id"], "submit")
    eth = provider.client._call("GET", f"/api/v1/contracts/{contract['id']}/signing-payload")
    assert eth["scheme"] == "eip712" and eth["typed_data"]["primaryType"] == "ContractSignature"
    ed = consumer.client._call("GET", f"/api/v1/contracts/{contract['id']}/signing-payload")
    assert ed["message"].startswith("cms-contract-signature/v1\n")
    # A personal_sign over the typed data's text is not an EIP-712 signature: refused.
    wrong = provider.signer.sign_message(str(eth["typed_data"]))
    problem = expect_error(lambda: provider.client._call(
        "POST", f"/api/v1/contracts/{contract['id']}/sign", {"signature": wrong}),
        400, "invalid_signature")
    assert problem["detail"]


def test_non_parties_cannot_see_a_contract_but_auditors_can(parties, new_party, admin, stack):
    provider, consumer = parties
    stranger, auditor = new_party("ed25519"), new_party("eth")
    contract = provider.client.create_contract(body(consumer.did))
    for call in (lambda: stranger.client.get_contract(contract["id"]),
                 lambda: stranger.client.events(contract["id"]),
                 lambda: stranger.client.verify(contract["id"]),
                 lambda: stranger.client.transition(contract["id"], "submit")):
        expect_error(call, 404, "not_found")
    assert stranger.client.list_contracts()["items"] == []
    httpx.patch(stack.url + f"/api/v1/identities/{auditor.did}", json={"roles": ["auditor"]},
                headers={"Authorization": f"Bearer {admin.client.token}"}).raise_for_status()
    auditor.client.sign_in(auditor.signer)  # roles travel in the token
    assert auditor.client.get_contract(contract["id"])["id"] == contract["id"]
    expect_error(lambda: auditor.client.transition(contract["id"], "submit"), 403, "forbidden")
    listed = auditor.client.list_contracts(scope="all", status="draft", limit=100)
    assert contract["id"] in [c["id"] for c in listed["items"]]
    expect_error(lambda: stranger.client.list_contracts(scope="all"), 403, "forbidden")


def test_illegal_transitions_are_409_with_the_current_state(parties):
    provider, consumer = parties
    contract = provider.client.create_contract(body(consumer.did))
    problem = expect_error(lambda: provider.client.transition(contract["id"], "activate"),
                           409, "illegal_transition")
    assert problem["current_status"] == "draft" and problem["allowed_from"] == ["signed"]
    expect_error(lambda: consumer.client.transition(contract["id"], "submit"), 403, "forbidden")
    expect_error(lambda: consumer.client.sign_contract(contract["id"], consumer.signer),
                 409, "illegal_transition")
    assert provider.client.get_contract(contract["id"])["version"] == 1  # nothing written


def test_a_retried_signature_lands_once_and_a_second_one_is_refused(parties):
    provider, consumer = parties
    contract = provider.client.create_contract(body(consumer.did))
    provider.client.transition(contract["id"], "submit")
    payload = provider.client._call("GET", f"/api/v1/contracts/{contract['id']}/signing-payload")
    signature = provider.signer.sign_contract(payload)
    sign = f"/api/v1/contracts/{contract['id']}/sign"
    first = provider.client._call("POST", sign, {"signature": signature})
    again = provider.client._call("POST", sign, {"signature": signature})
    assert first["version"] == again["version"] and len(again["signatures"]) == 1


def test_request_changes_clears_signatures_and_reopens_the_draft(parties):
    provider, consumer = parties
    contract = provider.client.create_contract(body(consumer.did))
    first_digest = provider.client.transition(contract["id"], "submit")["digest"]
    provider.client.sign_contract(contract["id"], provider.signer)
    expect_error(lambda: provider.client.update_contract(contract["id"], {"title": "x"}),
                 409, "illegal_transition")
    reopened = consumer.client.transition(contract["id"], "request-changes",
                                          {"reason": "lower the price"})
    assert reopened["status"] == "draft" and reopened["signatures"] == []
    edited = provider.client.update_contract(contract["id"], {"terms": {"price": 50}})
    assert edited["terms"] == {"price": 50}
    resubmitted = provider.client.transition(contract["id"], "submit")
    assert resubmitted["digest"] != first_digest and resubmitted["signatures"] == []
    events = provider.client.events(contract["id"])
    assert events[3]["type"] == "contract.changes_requested"
    assert events[3]["data"] == {"reason": "lower the price"}


def test_activation_respects_valid_from(parties):
    provider, consumer = parties
    later = datetime.now(UTC) + timedelta(days=2)
    contract = provider.client.create_contract(body(
        consumer.did, valid_from=later.isoformat(),
        valid_until=(later + timedelta(days=1)).isoformat()))
    provider.client.transition(contract["id"], "submit")
    provider.client.sign_contract(contract["id"], provider.signer)
    consumer.client.sign_contract(contract["id"], consumer.signer)
    problem = expect_error(lambda: provider.client.transition(contract["id"], "activate"),
                           409, "not_yet_valid")
    assert problem["valid_from"].startswith(later.strftime("%Y-%m-%dT%H:%M"))


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


def test_terminate_needs_a_reason(parties):
    provider, consumer = parties
    contract = provider.client.create_contract(body(consumer.did))
    expect_error(lambda: consumer.client.transition(contract["id"], "terminate", {}),
                 400, "validation_error")
    ended = consumer.client.transition(contract["id"], "terminate", {"reason": "no longer needed"})
    assert ended["status"] == "terminated"
    expect_error(lambda: provider.client.transition(contract["id"], "terminate",
                                                    {"reason": "again"}),
                 409, "illegal_transition")


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


def test_both_parties_signing_at_the_same_moment_both_land_once(parties):
    provider, consumer = parties
    contract = provider.client.create_contract(body(consumer.did))
    provider.client.transition(contract["id"], "submit")
    barrier, errors = threading.Barrier(2), []

    def sign(party):
        try:
            payload = party.client._call(
                "GET", f"/api/v1/contracts/{contract['id']}/signing-payload")
            signature = party.signer.sign_contract(payload)
            barrier.wait()
            party.client._call("POST", f"/api/v1/contracts/{contract['id']}/sign",
                               {"signature": signature})
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=sign, args=(p,)) for p in (provider, consumer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    final = provider.client.get_contract(contract["id"])
    assert final["status"] == "signed" and len(final["signatures"]) == 2
    types = [e["type"] for e in provider.client.events(contract["id"])]
    assert types.count("contract.signed") == 2 and len(types) == 4
    assert provider.client.verify(contract["id"])["valid"]


def test_listing_pages_with_a_cursor_and_filters(parties):
    provider, consumer = parties
    mine = [provider.client.create_contract(body(consumer.did, title=f"c{i}"))["id"]
            for i in range(5)]
    theirs = consumer.client.create_contract(body(provider.did))["id"]
    provider.client.transition(mine[0], "submit")
    seen, cursor = [], None
    while True:
        page = provider.client.list_contracts(limit=2, cursor=cursor)
        assert len(page["items"]) <= 2
        seen.extend(c["id"] for c in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted([*mine, theirs]) and len(seen) == len(set(seen))
    created = [provider.client.get_contract(i)["created_at"] for i in seen]
    assert created == sorted(created, reverse=True)
    as_consumer = provider.client.list_contracts(role="consumer")["items"]
    assert [c["id"] for c in as_consumer] == [theirs]
    in_review = provider.client.list_contracts(status="review")["items"]
    assert [c["id"] for c in in_review] == [mine[0]]
    expect_error(lambda: provider.client.list_contracts(cursor="not-a-cursor"),
                 400, "validation_error")
    expect_error(lambda: provider.client.list_contracts(limit=1000), 400, "validation_error")
    expect_error(lambda: provider.client.list_contracts(status="bogus"), 400, "validation_error")


@pytest.mark.parametrize("changes, pointer", [
    ({"unexpected": 1}, "/unexpected"),
    ({"terms": 42}, "/terms"),
    ({"title": ""}, "/title"),
    ({"valid_from": "2026-01-01T00:00:00"}, "/valid_from"),  # no timezone
    ({"valid_from": "yesterday"}, "/valid_from"),
    ({"consumer_did": "did:web"}, "/consumer_did"),
])
def test_bad_contract_bodies_name_the_field(parties, changes, pointer):
    provider, consumer = parties
    problem = expect_error(lambda: provider.client.create_contract({**body(consumer.did),
                                                                    **changes}),
                           400, "validation_error")
    assert pointer in [e["pointer"] for e in problem["errors"]], problem


@pytest.mark.parametrize("field, value", [
    ("valid_until", "2001-01-01T00:00:00+00:00"),  # before valid_from
    ("consumer_did", "did:example:123456"),
])
def test_semantic_errors_name_the_field_and_write_nothing(parties, field, value):
    provider, consumer = parties
    problem = expect_error(
        lambda: provider.client.create_contract({**body(consumer.did), field: value}),
        400, "validation_error")
    assert f"/{field}" in [e["pointer"] for e in problem["errors"]]
    assert provider.client.list_contracts()["items"] == []


def test_the_seed_typescript_shape_with_string_terms_is_accepted(parties):
    provider, consumer = parties
    contract = provider.client.create_contract(body(consumer.did, terms="Net 30, EU only"))
    assert contract["terms"] == "Net 30, EU only" and contract["metadata"] == {}


def test_concurrent_creates_all_land(parties):
    provider, consumer = parties
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(6) as pool:
        created = list(pool.map(lambda i: provider.client.create_contract(
            body(consumer.did, title=f"parallel {i}"))["id"], range(12)))
    listed = provider.client.list_contracts(role="provider", limit=100)["items"]
    assert sorted(created) == sorted(c["id"] for c in listed)


def test_fetched_events_verify_offline(parties):
    from cms.domain.audit import AuditEvent, chain_problems

    provider, consumer = parties
    contract = signed_contract(provider, consumer)
    events = [AuditEvent.from_json(e) for e in consumer.client.events(contract["id"])]
    assert chain_problems(events, f"contract:{contract['id']}") == []
    assert events[-1].hash == contract["head_hash"]


def test_an_empty_or_repeated_edit_writes_nothing(parties):
    provider, consumer = parties
    contract = provider.client.create_contract(body(consumer.did))
    assert provider.client.update_contract(contract["id"], {})["version"] == 1
    same = provider.client.update_contract(contract["id"], {"title": contract["title"]})
    assert same["version"] == 1 and len(provider.client.events(contract["id"])) == 1


def test_events_page_by_sequence(parties):
    provider, consumer = parties
    contract = signed_contract(provider, consumer)
    path = f"/api/v1/contracts/{contract['id']}/events"
    first = provider.client._call("GET", path, params={"limit": 2})
    assert [e["seq"] for e in first["events"]] == [0, 1] and first["next_after"] == 1
    rest = provider.client._call("GET", path, params={"after": 1, "limit": 2})
    assert [e["seq"] for e in rest["events"]] == [2, 3]
    last = provider.client._call("GET", path, params={"after": 3})
    assert last["events"] == [] and last["next_after"] is None
