"""A did:web party end to end through the services, on the in-memory stores and a real local
HTTPS server: registration, sign-in and contract signing. And the API's default refusal of
loopback targets (on the local stack).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from base58 import b58encode

from cms.bootstrap import MemoryServices
from cms.config import Settings
from cms.domain.contracts import Content
from cms.domain.did import DidResolver
from cms.domain.identity import Caller
from cms_client import Ed25519Signer
from tests.integration.test_did_web_fetch import SIGNER, _fetcher, _Handler, server  # noqa: F401


@pytest.fixture
def web_party(server):  # noqa: F811 - the HTTPS server fixture imported above
    port, ca = server
    did = f"did:web:localhost%3A{port}:alice"
    _Handler.documents["/alice/did.json"] = json.dumps({
        "@context": ["https://www.w3.org/ns/did/v1"], "id": did,
        "verificationMethod": [{
            "id": "#signing", "type": "Ed25519VerificationKey2018", "controller": did,
            "publicKeyBase58": b58encode(bytes(SIGNER.verify_key)).decode()}],
        "authentication": ["#signing"], "assertionMethod": ["#signing"],
    }).encode()
    return did, DidResolver(web_fetcher=_fetcher(ca))


def test_a_did_web_party_signs_in_and_signs_a_contract(web_party):
    did, resolver = web_party
    services = MemoryServices(Settings(chain_id=31337))
    services.__dict__["resolver"] = resolver  # the one that trusts the test server's CA
    auth, contracts = services.auth, services.contracts
    registered = auth.register(did, bytes(SIGNER.verify_key).hex(), source_ip="192.0.2.1")
    assert registered.created
    assert registered.identity.credentials[0].verification_method == f"{did}#signing"
    issued = auth.challenge(did, "192.0.2.1")
    signature = SIGNER.sign(issued.challenge.encode()).signature.hex()
    assert auth.verify(did, issued.challenge, signature, "192.0.2.1").token

    consumer = Ed25519Signer()
    now = datetime.now(UTC)
    contract = contracts.create(Caller(did), Content(
        title="did:web licence", description="", provider_did=did, consumer_did=consumer.did,
        terms={"scope": "eval"}, metadata={}, valid_from=now.isoformat(),
        valid_until=(now + timedelta(days=1)).isoformat()))
    contracts.submit(Caller(did), contract.id)
    payload = contracts.signing_payload(Caller(did), contract.id)
    assert payload.scheme == "any" and payload.message and payload.typed_data
    contracts.sign(Caller(did), contract.id,
                   SIGNER.sign(payload.message.encode()).signature.hex(), None)
    theirs = contracts.signing_payload(Caller(consumer.did), contract.id)
    signed = contracts.sign(Caller(consumer.did), contract.id,
                            consumer.sign_contract({"message": theirs.message}), None)
    assert signed.status == "signed"
    assert signed.signed_by(did).verification_method == f"{did}#signing"
    report = contracts.verify(Caller(did), contract.id)
    assert report.valid, report

    # Alice rotates her key afterwards: the signature stays valid, because verification uses
    # the document recorded with it (and asks no web server at all).
    _Handler.documents["/alice/did.json"] = json.dumps({
        "@context": ["https://www.w3.org/ns/did/v1"], "id": did,
        "verificationMethod": [{
            "id": "#next", "type": "Ed25519VerificationKey2018", "controller": did,
            "publicKeyBase58": b58encode(bytes.fromhex(consumer.public_key)).decode()}],
        "authentication": ["#next"], "assertionMethod": ["#next"]}).encode()
    assert contracts.verify(Caller(did), contract.id).valid


def test_the_api_refuses_did_web_on_loopback_by_default(stack, server):  # noqa: F811
    port, _ = server
    response = httpx.post(stack.url + "/api/v1/auth/register", json={
        "did": f"did:web:localhost%3A{port}", "public_key": bytes(SIGNER.verify_key).hex()})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "did_resolution_failed" and "non-public" in body["detail"]
