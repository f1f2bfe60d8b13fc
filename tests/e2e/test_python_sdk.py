"""The Python SDK against the local stack: sign-in with every key kind the API takes on its
own, the typed operations (client.api) and their models, the async client, typed problems.
Retries, renewal and iterators are unit-tested on a scripted API (tests/unit/sdk)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from cms_client import AsyncCmsClient, CmsClient, Ed25519Signer, EthereumSigner, NotFound
from cms_client.generated import models
from cms_client.generated.problems import ContractNotFound

pytestmark = pytest.mark.e2e

MISSING = "00000000-0000-4000-8000-000000000000"


def new_contract(consumer_did: str, title: str) -> models.NewContract:
    now = datetime.now(UTC)
    return models.NewContract(
        title=title, description="Made through the typed SDK", consumer_did=consumer_did,
        terms={"purpose": "training", "epsilon": 3.0},
        valid_from=now - timedelta(minutes=1), valid_until=now + timedelta(days=30))


@pytest.mark.parametrize("signer", [Ed25519Signer, lambda: EthereumSigner(chain_id=31337),
                                    lambda: EthereumSigner(method="ethr")],
                         ids=["did:key", "did:pkh", "did:ethr"])
def test_each_key_kind_registers_signs_in_and_is_known_by_its_did(stack, signer):
    signer = signer()
    with CmsClient(stack.url) as client:
        client.register(signer)
        token = client.sign_in(signer)
        me = client.api.get_me()
        assert isinstance(me, models.Identity) and me.did == signer.did == client.did
        assert token and client.token == token


def test_a_contract_is_created_read_and_listed_through_the_typed_api(new_party):
    provider, consumer = new_party("eth"), new_party("ed25519")
    api = provider.client.api
    created = api.create_contract(body=new_contract(consumer.did, "Typed licence"))
    assert isinstance(created, models.Contract)
    assert (created.status, created.provider_did) == ("draft", provider.did)
    assert api.get_contract(created.id) == created
    # A dict body is checked against the model and sent as written.
    second = api.create_contract(body=new_contract(consumer.did, "Second").model_dump(
        mode="json", exclude_unset=True), idempotency_key=f"sdk-{created.id}")
    page = api.list_contracts(role="provider", limit=1)
    assert len(page.items) == 1 and page.next_cursor is not None
    listed = [c.id for c in api.iter_list_contracts(role="provider", limit=1)]
    assert listed == [second.id, created.id]
    seen = consumer.client.api.iter_list_contracts(role="consumer")
    assert {c.title for c in seen} == {"Typed licence", "Second"}
    events = list(api.iter_list_contract_events(created.id, limit=1))
    assert [e.type for e in events][:1] == ["contract.created"]


def test_a_missing_contract_is_not_found_with_its_code(new_party):
    party = new_party("ed25519")
    with pytest.raises(NotFound) as error:
        party.client.api.get_contract(MISSING)
    assert (error.value.status, error.value.code) == (404, "not_found")
    # An engine contract that does not exist has its own code, and class, under NotFound.
    with pytest.raises(ContractNotFound) as error:
        party.client.api.get_engine_contract("0x" + "00" * 20)
    assert isinstance(error.value, NotFound) and error.value.code == "contract_not_found"


def test_the_async_client_does_the_same(stack):
    provider, consumer = EthereumSigner(chain_id=31337), Ed25519Signer()

    async def scenario():
        async with AsyncCmsClient(stack.url) as cms, AsyncCmsClient(stack.url) as other:
            await cms.register(provider)
            await other.register(consumer)
            await cms.sign_in(provider)
            created = await cms.api.create_contract(body=new_contract(consumer.did, "Async"))
            read = await cms.get_contract(created.id)
            listed = [c.id async for c in cms.api.iter_list_contracts(role="provider")]
            with pytest.raises(NotFound):
                await cms.api.get_contract(MISSING)
            me = await cms.me()
            await cms.logout()
            return created, read, listed, me

    created, read, listed, me = asyncio.run(scenario())
    assert read["id"] == created.id and read["title"] == "Async" and listed == [created.id]
    assert me["did"] == provider.did
