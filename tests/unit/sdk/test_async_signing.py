"""The async client signs only what it rebuilt, as CmsClient does (the same check, reused:
tests/unit/test_client_safety.py has the cases)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from nacl.signing import VerifyKey

from cms.domain.signatures import contract_signing_payload
from cms_client import AsyncCmsClient, Ed25519Signer
from tests.unit.test_client_safety import BASE, CHAIN_ID, CONTRACT_ID, SIGN, FakeServer


def sign_async(server: FakeServer, signer: Ed25519Signer) -> dict:
    async def serve(request: httpx.Request) -> httpx.Response:
        await request.aread()
        return server(request)

    async def scenario() -> dict:
        async with AsyncCmsClient(BASE, token="t", http=httpx.AsyncClient(
                transport=httpx.MockTransport(serve))) as client:
            return await client.sign_contract(CONTRACT_ID, signer)

    return asyncio.run(scenario())


def test_the_async_client_signs_the_rebuilt_message():
    signer, server = Ed25519Signer(), FakeServer()
    server.serve_contract(signer.did)
    sign_async(server, signer)
    VerifyKey(bytes.fromhex(signer.public_key)).verify(
        server.payload["message"].encode(), bytes.fromhex(server.posted[SIGN]["signature"]))


def test_the_async_client_refuses_a_payload_other_than_the_rebuilt_one():
    signer, server = Ed25519Signer(), FakeServer()
    server.serve_contract(signer.did)
    server.payload.update(contract_signing_payload(
        contract_id=CONTRACT_ID, digest_hex="ab" * 32, signer_did=signer.did,
        chain_id=CHAIN_ID))
    with pytest.raises(ValueError, match="differs"):
        sign_async(server, signer)
    assert SIGN not in server.posted
