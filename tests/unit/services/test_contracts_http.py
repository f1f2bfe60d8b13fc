"""The contracts and audit handlers in process: what they accept, the problems they answer,
and bodies that are what the document says (each is built from its response model)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from cms.api.schemas.contracts import NewContract
from cms.domain.canonical import canonical_json, iso_utc
from cms_client.client import CmsClient
from tests.unit.services.contract_world import ed_party
from tests.unit.services.http import Http

BASE = "/api/v1/contracts"


@pytest.fixture
def http(world) -> Http:
    return Http(world)


def new(consumer_did: str, **changes):
    now = datetime.now(UTC)
    return {"title": "Training data licence", "description": "DP training",
            "consumer_did": consumer_did,
            "terms": {"purpose": "training", "epsilon": 3.0, "price": {"amount": 100}},
            "valid_from": (now - timedelta(minutes=1)).isoformat(),
            "valid_until": (now + timedelta(days=30)).isoformat(), **changes}


def test_a_created_contract_is_where_its_location_says_and_reads_back_equal(http, parties):
    provider, consumer = parties
    created = http("POST", BASE, provider, new(consumer.did))
    assert created.status == 201, created.text
    assert created.headers["location"] == f"{BASE}/{created.body['id']}"
    fetched = http("GET", created.headers["location"], consumer)
    assert fetched.status == 200 and fetched.body == created.body
    assert created.body["status"] == "draft" and created.body["signatures"] == []


def test_the_documented_example_creates_a_contract(http, parties):
    provider, consumer = parties
    [example] = NewContract.model_config["json_schema_extra"]["examples"]
    assert http("POST", BASE, provider, {**example, "consumer_did": consumer.did}).status == 201


@pytest.mark.parametrize("changes, pointer", [
    ({"unexpected": 1}, "/unexpected"),
    ({"terms": 42}, "/terms"),
    ({"terms": "   "}, "/terms"),
    ({"title": ""}, "/title"),
    ({"title": " \t"}, "/title"),
    ({"valid_from": "2026-01-01T00:00:00"}, "/valid_from"),  # no timezone
    ({"valid_from": "yesterday"}, "/valid_from"),
    ({"valid_from": 1767225600}, "/valid_from"),  # a number is not a date here
    ({"consumer_did": "did:web"}, "/consumer_did"),
    ({"template_id": "Not An Id", "variables": {}}, "/template_id"),
    ({"metadata": {"note": "x" * 40_000}}, "/metadata/note"),  # longer than any content
])
def test_bad_bodies_name_the_field(http, parties, changes, pointer):
    provider, consumer = parties
    refused = http("POST", BASE, provider, {**new(consumer.did), **changes})
    assert (refused.status, refused.code) == (400, "validation_error"), refused.text
    assert pointer in refused.pointers()
    assert refused.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("field, value", [
    ("valid_until", "9999-12-31T23:59:59.999999-23:59"),
    ("valid_until", "2200-01-01T00:00:00Z"),
    ("valid_from", "0001-01-01T00:00:00+14:00"),
    ("valid_from", "1970-01-01T00:00:00Z"),
])
def test_dates_out_of_range_are_refused_never_a_server_error(http, parties, field, value):
    provider, consumer = parties
    refused = http("POST", BASE, provider, {**new(consumer.did), field: value})
    assert (refused.status, refused.code) == (400, "validation_error"), refused.text
    assert f"/{field}" in refused.pointers()


def test_a_signing_deadline_out_of_range_is_refused(http, parties):
    provider, consumer = parties
    contract = http("POST", BASE, provider, new(consumer.did)).body
    for deadline in ("9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00"):
        refused = http("POST", f"{BASE}/{contract['id']}/submit", provider,
                       {"signing_deadline": deadline})
        assert (refused.status, refused.pointers()) == (400, ["/signing_deadline"])
    # Not an object: refused (Powertools alone would read an array as its first element).
    for body in ("[null, null]", '[{"signing_deadline": null}]', '"now"', "null"):
        refused = http("POST", f"{BASE}/{contract['id']}/submit", provider, body)
        assert (refused.status, refused.code) == (400, "validation_error"), body
    submitted = http("POST", f"{BASE}/{contract['id']}/submit", provider, {})
    assert submitted.status == 200 and submitted.body["signing_deadline"]


def test_terminating_needs_a_reason_and_happens_once(http, parties):
    provider, consumer = parties
    contract = http("POST", BASE, provider, new(consumer.did)).body
    path = f"{BASE}/{contract['id']}/terminate"
    assert http("POST", path, consumer, {}).code == "validation_error"
    ended = http("POST", path, consumer, {"reason": "no longer needed"})
    assert ended.status == 200 and ended.body["status"] == "terminated"
    again = http("POST", path, provider, {"reason": "again"})
    assert (again.status, again.code) == (409, "illegal_transition")
    assert again.body["current_status"] == "terminated"
    assert "active" in again.body["allowed_from"]


def test_strangers_get_not_found_everywhere(http, parties):
    provider, consumer = parties
    stranger = ed_party()
    contract = http("POST", BASE, provider, new(consumer.did)).body
    one = f"{BASE}/{contract['id']}"
    for method, path in (("GET", one), ("GET", one + "/events"), ("POST", one + "/verify"),
                         ("GET", one + "/receipt"), ("GET", one + "/signing-payload"),
                         ("GET", one + "/document")):
        answer = http(method, path, stranger)
        assert (answer.status, answer.code) == (404, "not_found"), (path, answer.text)
    assert http("POST", one + "/submit", stranger, {}).code == "not_found"
    assert http("GET", BASE, stranger).body == {"items": [], "next_cursor": None}
    assert http("GET", BASE, stranger, query={"scope": "all"}).code == "forbidden"


@pytest.mark.parametrize("path", [
    f"{BASE}/not-a-uuid", f"{BASE}/7D5B0F7E-2A51-4A47-9C43-3F6F0E4F7A10/events",
    f"{BASE}/{'a' * 2000}/verify",
    f"{BASE}/7d5b0f7e-2a51-4a47-9c43-3f6f0e4f7a10/attachments/x",
])
def test_ids_that_are_not_uuids_are_refused_before_any_read(http, parties, path):
    provider, _ = parties
    method = "POST" if path.endswith("/verify") else "GET"
    refused = http(method, path, provider)
    assert (refused.status, refused.code) == (400, "validation_error"), refused.text
    assert refused.pointers()[0].startswith("path:")


def test_listing_pages_through_cursors_and_refuses_what_is_no_position(http, parties):
    provider, consumer = parties
    made = {http("POST", BASE, provider, new(consumer.did, title=f"c{i}")).body["id"]
            for i in range(3)}
    made.add(http("POST", BASE, consumer, new(provider.did)).body["id"])
    seen, query = [], {"limit": 3}
    while True:
        page = http("GET", BASE, provider, query=query).body
        seen += [c["id"] for c in page["items"]]
        if page["next_cursor"] is None:
            break
        query = {"limit": 3, "cursor": page["next_cursor"]}
    assert sorted(seen) == sorted(made)
    for bad, pointer in (({"cursor": "not-a-cursor"}, "query:cursor"),
                         ({"cursor": "eyJwcm92aWRlciI6WyIyMDI2Il19"}, "query:cursor"),
                         ({"limit": 1000}, "query:limit"), ({"status": "bogus"}, "query:status")):
        refused = http("GET", BASE, provider, query=bad)
        assert (refused.status, refused.pointers()) == (400, [pointer]), refused.text
    # Any string of the cursor's form is a position: one before every contract lists none.
    empty = http("GET", BASE, provider,
                 query={"cursor": "2000-01-01T00:00:00.000Z_00000000-0000-0000-0000-000000000000"})
    assert empty.body == {"items": [], "next_cursor": None}


def test_events_page_by_sequence_with_their_anchoring(http, world, parties):
    provider, consumer = parties
    contract = world.signed(provider, consumer)
    path = f"{BASE}/{contract.id}/events"
    first = http("GET", path, provider, query={"limit": 2}).body
    assert [e["seq"] for e in first["events"]] == [0, 1] and first["next_after"] == 1
    assert first["events"][0]["anchor"]["state"] == "pending"
    rest = http("GET", path, provider, query={"after": 1, "limit": 2}).body
    assert [e["seq"] for e in rest["events"]] == [2, 3]
    assert http("GET", path, provider, query={"after": 3}).body == {
        "contract_id": contract.id, "events": [], "next_after": None}
    too_far = http("GET", path, provider, query={"after": 10**20})
    assert (too_far.status, too_far.pointers()) == (400, ["query:after"])
    world.anchor_all()
    anchored = http("GET", path, provider).body["events"][0]["anchor"]
    assert anchored["state"] == "anchored" and anchored["proof"]["size"] == 4


def test_signing_payloads_are_what_the_sdk_rebuilds(http, world, parties):
    provider, consumer = parties
    contract = http("POST", BASE, provider, new(consumer.did)).body
    one = f"{BASE}/{contract['id']}"
    assert http("GET", one + "/signing-payload", provider).code == "illegal_transition"
    submitted = http("POST", one + "/submit", provider).body
    for party in (provider, consumer):
        payload = http("GET", one + "/signing-payload", party).body
        # The SDK's own check: every part it would sign equals its local rebuild.
        expected = CmsClient._expected_signing_payload(contract["id"], submitted, payload,
                                                       party.signer)
        signed = http("POST", one + "/sign", party,
                      {"signature": party.signer.sign_contract(expected)})
        assert signed.status == 200, signed.text
    eth = http("GET", one + "/signing-payload", provider)
    assert eth.code == "illegal_transition"  # signed now: nothing left to sign
    assert signed.body["status"] == "signed"
    assert {s["scheme"] for s in signed.body["signatures"]} == {"eip712",
                                                                "ed25519-prefixed-digest"}


def test_a_bad_signature_is_a_problem_not_a_crash(http, parties):
    provider, consumer = parties
    contract = http("POST", BASE, provider, new(consumer.did)).body
    http("POST", f"{BASE}/{contract['id']}/submit", provider)
    # "zz" is in no documented encoding; the others are in one, but are no key's signature or
    # not of the signer's key kind (the provider's is Ethereum).
    for signature, code in (("0x" + "11" * 64 + "1b", "invalid_signature"),
                            ("11" * 64, "invalid_signature"),
                            ("A" * 86, "invalid_signature"),
                            ("zz", "validation_error")):
        refused = http("POST", f"{BASE}/{contract['id']}/sign", provider,
                       {"signature": signature})
        assert (refused.status, refused.code) == (400, code), refused.text


def test_verification_and_the_receipt(http, world, parties):
    provider, consumer = parties
    contract = world.active(provider, consumer)
    world.anchor_all()
    report = http("POST", f"{BASE}/{contract.id}/verify", consumer)
    assert report.status == 200 and report.body["valid"] is True
    assert report.body["status"] == "active" and report.body["checks"][0]["name"] == "audit_chain"
    receipt = http("GET", f"{BASE}/{contract.id}/receipt", consumer)
    assert receipt.status == 200 and receipt.headers["content-type"] == "application/json"
    assert receipt.text.encode() == canonical_json(json.loads(receipt.text))  # byte for byte
    assert receipt.headers["content-disposition"] == (
        f'attachment; filename="receipt-{contract.id}.json"')
    assert receipt.text.encode() == world.contracts.receipt(consumer.caller, contract.id)


def test_an_edit_of_a_draft_and_nothing_to_change(http, parties):
    provider, consumer = parties
    contract = http("POST", BASE, provider, new(consumer.did)).body
    one = f"{BASE}/{contract['id']}"
    assert http("PATCH", one, provider, {}).body["version"] == 1
    edited = http("PATCH", one, provider, {"terms": {"price": 50}})
    assert edited.status == 200 and edited.body["terms"] == {"price": 50}
    assert http("PATCH", one, consumer, {"title": "x"}).code == "forbidden"
    far = http("PATCH", one, provider, {"valid_until": iso_utc(datetime(2999, 1, 1, tzinfo=UTC))})
    assert (far.status, far.pointers()) == (400, ["/valid_until"])


def test_an_idempotency_key_must_be_printable_ascii_without_surrounding_spaces(http, parties):
    provider, consumer = parties
    for key in (" padded", "x" * 256, "tab\there"):
        refused = http("POST", BASE, provider, new(consumer.did),
                       headers={"Idempotency-Key": key})
        assert (refused.status, refused.code) == (400, "validation_error"), key


def test_attachment_grants_and_records(http, world, parties):
    provider, consumer = parties
    contract = http("POST", BASE, provider, new(consumer.did)).body
    path = f"{BASE}/{contract['id']}/attachments"
    grant = http("POST", path, consumer, {"name": "dpia.txt", "media_type": "text/plain",
                                          "size": 3})
    assert grant.status == 201 and grant.body["upload"]["fields"]["key"].endswith(
        grant.body["attachment_id"])
    for body, pointer in (({"name": "a/b", "media_type": "text/plain", "size": 1}, "/name"),
                          ({"name": "x.exe", "media_type": "application/x-msdownload",
                            "size": 1}, "/media_type"),
                          ({"name": "big.pdf", "media_type": "application/pdf",
                            "size": 10**12}, "/size")):
        refused = http("POST", path, provider, body)
        assert (refused.status, refused.pointers()) == (400, [pointer]), refused.text
    missing = http("GET", f"{path}/{grant.body['attachment_id']}", provider)
    assert (missing.status, missing.code) == (404, "document_not_found")
    fields = grant.body["upload"]["fields"]
    bucket = world.services.bucket("CMS_DOCUMENTS_BUCKET")
    world.enrol(consumer)  # the token's holder is a registered identity
    version = bucket.put(fields["key"], b"abc", "text/plain", metadata={
        k.removeprefix("x-amz-meta-"): v for k, v in fields.items() if k.startswith("x-amz-")})
    assert world.services.documents.register_upload(fields["key"], version).registered
    record = http("GET", f"{path}/{grant.body['attachment_id']}", provider)
    assert record.status == 200 and record.body["size"] == 3 and record.body["url"]
