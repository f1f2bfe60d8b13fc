"""Every create honours Idempotency-Key on the local stack (the keys live in DynamoDB): the same
key and body answer the same resource, and only one exists; the same key with another body is
422 idempotency_key_reused; without a key each request creates. createContract has its own
test in test_contracts_api.py; the helper's rules (scoping, in-progress) are shared."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cms_client import CmsClient, Ed25519Signer, EthereumSigner
from tests.conftest import Party
from tests.e2e.test_contracts_api import body as contract_body
from tests.e2e.test_templates_api import custom_definition, unique_id, wait_for_attachment
from tests.e2e.test_training_runs import active_contract

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def parties(stack) -> Iterator[tuple[Party, Party, str]]:
    """A provider and a consumer with an active AI-training contract between them; the
    training parent is held, so that jobs stay pending."""
    clients: list[CmsClient] = []

    def make(kind: str = "eth") -> Party:
        signer = EthereumSigner(chain_id=31337) if kind == "eth" else Ed25519Signer()
        client = CmsClient(stack.url)
        clients.append(client)
        client.register(signer)
        client.sign_in(signer)
        return Party(signer, client)

    with stack.paused("training-parent"):
        yield active_contract(make)
    for client in clients:
        client.close()


def post(party: Party, path: str, body: dict[str, Any], key: str | None = None
         ) -> httpx.Response:
    headers = {"Authorization": f"Bearer {party.client.token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return httpx.post(party.client.base_url + path, json=body, headers=headers, timeout=60)


def get(party: Party, path: str, **params: Any) -> Any:
    return party.client._call("GET", path, params=params or None)


def replayed(party: Party, path: str, body: dict[str, Any], other: dict[str, Any]
             ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The first answer and its repeat (both 201) for one key; ``other`` with that key is
    refused, and ``body`` without a key creates again (201)."""
    key = str(uuid.uuid4())
    first, again = post(party, path, body, key), post(party, path, body, key)
    assert (first.status_code, again.status_code) == (201, 201), (first.text, again.text)
    refused = post(party, path, other, key)
    assert (refused.status_code, refused.json()["code"]) == (422, "idempotency_key_reused")
    assert post(party, path, body).status_code == 201
    return first.json(), again.json()


def test_a_repeated_webhook_registration_is_the_same_webhook_with_its_secret(parties):
    _, consumer, _ = parties
    hook = {"url": f"https://localhost:1/hooks/{uuid.uuid4()}", "event_types": []}
    other = {**hook, "event_types": ["contract.signed"]}
    first, again = replayed(consumer, "/api/v1/webhooks", hook, other)
    assert again == first and first["secret"]
    listed = [w["id"] for w in get(consumer, "/api/v1/webhooks")["items"]]
    assert listed.count(first["id"]) == 1 and len(listed) == 2  # and the one without a key
    key = str(uuid.uuid4())
    made = post(consumer, "/api/v1/webhooks", {**hook, "url": hook["url"] + "x"}, key).json()
    consumer.client.delete_webhook(made["id"])
    gone = post(consumer, "/api/v1/webhooks", {**hook, "url": hook["url"] + "x"}, key)
    assert (gone.status_code, gone.json()["code"]) == (404, "webhook_not_found")


def test_a_repeated_training_job_is_the_same_job(parties):
    provider, consumer, contract_id = parties
    job = {"contract_id": contract_id, "model": "mnist_cnn",
           "config": {"epochs": 1, "epsilon": "0.5"}}
    other = {**job, "config": {"epochs": 1, "epsilon": "0.25"}}
    first, again = replayed(consumer, "/api/v1/training-jobs", job, other)
    assert again == first and first["status"] == "pending"
    listed = [j["id"] for j in get(provider, "/api/v1/training-jobs", contract_id=contract_id)
              ["items"]]
    assert listed.count(first["id"]) == 1 and len(listed) == 2


def test_a_repeated_engine_deployment_is_the_same_contract(parties):
    provider, _, _ = parties
    token = {"kind": "erc20", "name": "Credits", "init_args": {"name": "Credits",
                                                              "symbol": "CRD"}}
    other = {**token, "name": "Other credits"}
    first, again = replayed(provider, "/api/v1/engine/contracts", token, other)
    assert again == first
    listed = [c["address"] for c in get(provider, "/api/v1/engine/contracts")["items"]]
    assert listed.count(first["address"]) == 1 and len(listed) == 2


def test_a_repeated_template_creation_is_the_same_version(admin):
    template_id = unique_id("idem")
    definition = {"id": template_id, **custom_definition()}
    key = str(uuid.uuid4())
    first = post(admin, "/api/v1/templates", definition, key)
    again = post(admin, "/api/v1/templates", definition, key)
    assert (first.status_code, again.status_code) == (201, 201) and again.json() == first.json()
    versions = get(admin, f"/api/v1/templates/{template_id}/versions")["items"]
    assert [v["version"] for v in versions] == [1]
    refused = post(admin, "/api/v1/templates", {**definition, "name": "Other"}, key)
    assert (refused.status_code, refused.json()["code"]) == (422, "idempotency_key_reused")
    # Without a key a second creation is what it always was: the id is taken.
    assert post(admin, "/api/v1/templates", definition).status_code == 409
    assert post(admin, "/api/v1/templates", {**definition, "id": unique_id("idem")}
                ).status_code == 201


def test_a_repeated_attachment_grant_is_the_same_attachment_with_a_fresh_form(parties):
    provider, consumer, _ = parties
    draft = provider.client.create_contract(contract_body(consumer.did))
    path = f"/api/v1/contracts/{draft['id']}/attachments"
    content = b"annex\n"
    file = {"name": "annex.txt", "media_type": "text/plain", "size": len(content)}
    first, again = replayed(provider, path, file, {**file, "name": "other.txt"})
    assert again["attachment_id"] == first["attachment_id"]
    assert again["expires_in"] == first["expires_in"] > 0
    # The repeat's form uploads the same attachment, registered once.
    upload = again["upload"]
    assert httpx.post(upload["url"], data=upload["fields"],
                      files={"file": ("annex.txt", content, "text/plain")}).status_code < 300
    contract, _ = wait_for_attachment(provider.client, draft["id"], first["attachment_id"])
    ids = [a["id"] for a in contract["metadata"]["attachments"]]
    assert ids == [first["attachment_id"]]
    other_draft = provider.client.create_contract(contract_body(consumer.did))
    key = str(uuid.uuid4())
    assert post(provider, path, file, key).status_code == 201
    elsewhere = post(provider, f"/api/v1/contracts/{other_draft['id']}/attachments", file, key)
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (422, "idempotency_key_reused")


def test_a_repeated_dataset_grant_is_the_same_upload_with_a_fresh_form(parties):
    provider, _, contract_id = parties
    path = f"/api/v1/contracts/{contract_id}/datasets"
    dataset = {"dataset_id": "mnist-train", "size": 1024}
    first, again = replayed(provider, path, dataset, {**dataset, "size": 2048})
    assert again["upload"]["fields"]["key"] == first["upload"]["fields"]["key"]
    assert again["expires_in"] == first["expires_in"] > 0
    assert not get(provider, path)["items"][0]["registered"]  # nothing uploaded
