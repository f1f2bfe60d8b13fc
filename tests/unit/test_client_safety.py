"""The client signs only what it can check: challenges bound to its origin, contracts it rebuilt."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from nacl.signing import VerifyKey

from cms.domain.contracts import Content, content_digest
from cms.domain.signatures import CONTRACT_MESSAGE_PREFIX, contract_signing_payload
from cms.domain.siwe import SiweMessage
from cms_client import CmsClient, Ed25519Signer, EthereumSigner

BASE = "https://cms.example.com"
NONCE = "0123456789abcdef0123456789abcdef"
CHAIN_ID = 31337
CONTRACT_ID = "7d1c7f0e-2b2a-4a7f-9a7e-1f0c3d5b6a79"
Handler = Callable[[httpx.Request], httpx.Response]


def siwe_text(signer: EthereumSigner, *, domain: str = "cms.example.com", uri: str = BASE,
              nonce: str = NONCE) -> str:
    return SiweMessage(
        domain=domain, address=signer.public_key, statement="Sign in.", uri=uri, version="1",
        chain_id=CHAIN_ID, nonce=nonce, issued_at="2030-01-01T00:00:00Z").to_text()


def did_text(signer: Ed25519Signer, *, domain: str = "cms.example.com", uri: str = BASE,
             nonce: str = NONCE) -> str:
    return (f"{domain} wants you to sign in with your DID:\n{signer.did}\n\nSign in.\n\n"
            f"URI: {uri}\nVersion: 1\nNonce: {nonce}\nIssued At: 2030-01-01T00:00:00Z")


class FakeServer:
    """Just enough of the API for sign-in and contract signing; records what was posted."""

    def __init__(self, challenge: str = "", nonce: str = NONCE) -> None:
        self.challenge, self.nonce = challenge, nonce
        self.posted: dict[str, Any] = {}
        self.contract: dict[str, Any] = {}
        self.payload: dict[str, Any] = {}

    def client(self) -> CmsClient:
        return CmsClient(BASE, token="t", http=httpx.Client(transport=httpx.MockTransport(self)))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        body = json.loads(request.content) if request.content else None
        if path == "/api/v1/auth/challenge":
            return httpx.Response(200, json={"challenge": self.challenge, "nonce": self.nonce,
                                             "expires_at": "2030-01-01T00:05:00Z"})
        if request.method == "POST":
            self.posted[path] = body
            return httpx.Response(200, json={"token": "issued", "status": "review"})
        if path.endswith("/signing-payload"):
            return httpx.Response(200, json=self.payload)
        return httpx.Response(200, json=self.contract)

    def serve_contract(self, signer_did: str) -> str:
        """A contract in review and the honest signing payload for ``signer_did``."""
        content = Content(
            title="Licence", description="", provider_did=signer_did,
            consumer_did="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            terms={"scope": "eval"}, metadata={}, valid_from="2030-01-01T00:00:00.000Z",
            valid_until="2031-01-01T00:00:00.000Z")
        digest = content_digest(CONTRACT_ID, content)
        self.contract = {"id": CONTRACT_ID, **content.to_json(), "status": "review",
                         "digest": digest, "version": 2}
        self.payload = {"contract_id": CONTRACT_ID, "digest": digest, "signer_did": signer_did,
                        **contract_signing_payload(contract_id=CONTRACT_ID, digest_hex=digest,
                                                   signer_did=signer_did, chain_id=CHAIN_ID)}
        return digest


SIGN = f"/api/v1/contracts/{CONTRACT_ID}/sign"
VERIFY = "/api/v1/auth/verify"


# ------------------------------------------------------------------ sign-in


def test_a_bound_siwe_challenge_is_signed() -> None:
    signer = EthereumSigner(chain_id=CHAIN_ID)
    server = FakeServer(siwe_text(signer))
    assert server.client().sign_in(signer) == "issued"
    sent = server.posted[VERIFY]
    recovered = Account.recover_message(encode_defunct(text=sent["challenge"]),
                                        signature=sent["signature"])
    assert sent["challenge"] == server.challenge and recovered == signer.public_key


def test_a_bound_did_challenge_is_signed_and_a_trailing_slash_is_tolerated() -> None:
    signer = Ed25519Signer()
    server = FakeServer(did_text(signer, uri=BASE + "/"))
    assert server.client().sign_in(signer) == "issued"
    sent = server.posted[VERIFY]
    VerifyKey(bytes.fromhex(signer.public_key)).verify(
        sent["challenge"].encode(), bytes.fromhex(sent["signature"]))


@pytest.mark.parametrize("kind", ["siwe", "did"])
@pytest.mark.parametrize("change, reason", [
    ({"domain": "evil.example"}, "is for 'evil.example'"),
    ({"domain": "cms.example.com:8443"}, "is for 'cms.example.com:8443'"),
    ({"uri": "https://evil.example"}, "URI 'https://evil.example'"),
    ({"uri": "http://cms.example.com"}, "URI 'http://cms.example.com'"),
    ({"nonce": "ffffffffffffffffffffffffffffffff"}, "nonce"),
])
def test_sign_in_refuses_a_challenge_for_another_origin_or_nonce(kind, change, reason) -> None:
    signer: Any = EthereumSigner(chain_id=CHAIN_ID) if kind == "siwe" else Ed25519Signer()
    text = (siwe_text if kind == "siwe" else did_text)(signer, **change)
    server = FakeServer(text)
    with pytest.raises(ValueError, match=reason):
        server.client().sign_in(signer)
    assert VERIFY not in server.posted


def test_sign_in_refuses_a_challenge_in_an_unknown_format_or_with_two_uris() -> None:
    signer = Ed25519Signer()
    for text in (f"{CONTRACT_MESSAGE_PREFIX}contract:x\ndigest:sha256:00\nsigner:{signer.did}",
                 did_text(signer) + "\nURI: https://evil.example"):
        server = FakeServer(text)
        with pytest.raises(ValueError):
            server.client().sign_in(signer)
        assert VERIFY not in server.posted


def test_ed25519_sign_message_refuses_contract_messages() -> None:
    signer = Ed25519Signer()
    message = f"{CONTRACT_MESSAGE_PREFIX}contract:x\ndigest:sha256:{'0' * 64}\nsigner:{signer.did}"
    with pytest.raises(ValueError, match="contract-signature"):
        signer.sign_message(message)
    assert signer.sign_contract({"message": message})
    with pytest.raises(ValueError, match="prefix"):
        signer.sign_contract({"message": "Sign in to something else"})


# ------------------------------------------------------------------ contract signatures


def test_sign_contract_signs_the_rebuilt_eip712_payload() -> None:
    signer = EthereumSigner(chain_id=CHAIN_ID)
    server = FakeServer()
    server.serve_contract(signer.did)
    server.client().sign_contract(CONTRACT_ID, signer)
    signed = encode_typed_data(full_message=server.payload["typed_data"])
    signature = server.posted[SIGN]["signature"]
    assert Account.recover_message(signed, signature=signature) == signer.public_key


def test_sign_contract_signs_the_rebuilt_ed25519_message() -> None:
    signer = Ed25519Signer()
    server = FakeServer()
    server.serve_contract(signer.did)
    server.client().sign_contract(CONTRACT_ID, signer)
    VerifyKey(bytes.fromhex(signer.public_key)).verify(
        server.payload["message"].encode(), bytes.fromhex(server.posted[SIGN]["signature"]))


@pytest.mark.parametrize("kind", ["eth", "ed25519"])
def test_sign_contract_refuses_a_payload_other_than_the_rebuilt_one(kind) -> None:
    signer: Any = EthereumSigner(chain_id=CHAIN_ID) if kind == "eth" else Ed25519Signer()
    server = FakeServer()
    server.serve_contract(signer.did)
    other = "ab" * 32  # a digest the contract's content does not have
    forged = contract_signing_payload(contract_id=CONTRACT_ID, digest_hex=other,
                                      signer_did=signer.did, chain_id=CHAIN_ID)
    server.payload.update(forged)
    with pytest.raises(ValueError, match="differs"):
        server.client().sign_contract(CONTRACT_ID, signer)
    assert SIGN not in server.posted


def test_sign_contract_refuses_a_contract_whose_digest_is_not_its_content() -> None:
    signer = Ed25519Signer()
    server = FakeServer()
    server.serve_contract(signer.did)
    server.contract["terms"] = {"scope": "production"}  # shown content differs from the digest
    with pytest.raises(ValueError, match="does not match its content"):
        server.client().sign_contract(CONTRACT_ID, signer)
    assert SIGN not in server.posted


def test_sign_contract_refuses_a_contract_served_under_another_id() -> None:
    signer = Ed25519Signer()
    server = FakeServer()
    server.serve_contract(signer.did)
    client = server.client()
    with pytest.raises(ValueError, match="does not match its content"):
        client.sign_contract("another-contract", signer)
    assert not server.posted
