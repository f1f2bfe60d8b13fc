"""Sign-in over HTTP through the local API Gateway, authorizer included."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time

import boto3
import httpx
import jwt
import pytest

from cms.domain.signing_keys import derive_signing_key
from cms_client import Ed25519Signer, EthereumSigner

pytestmark = pytest.mark.e2e


def post(stack, path, body=None, **kwargs):
    return httpx.post(stack.url + path, json=body, timeout=30, **kwargs)


def problem(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code and body["status"] == status and body["title"]
    return body


def register(stack, signer):
    return post(stack, "/api/v1/auth/register",
                {"did": signer.did, "public_key": signer.public_key})


def challenge(stack, signer):
    response = post(stack, "/api/v1/auth/challenge", {"did": signer.did})
    assert response.status_code == 200, response.text
    return response.json()


def verify(stack, signer, text, signature=None):
    return post(stack, "/api/v1/auth/verify", {
        "did": signer.did, "challenge": text,
        "signature": signature if signature is not None else signer.sign_message(text)})


# ------------------------------------------------------------------ registration


def test_registration_is_idempotent_and_keeps_the_key_as_credential(stack):
    signer = Ed25519Signer()
    first = register(stack, signer)
    assert first.status_code == 200
    assert first.json()["did"] == signer.did
    assert first.json()["credential"]["value"] == signer.public_key
    again = register(stack, signer)  # the same answer: registered now or before is not told
    assert again.status_code == 200 and again.json() == first.json()
    token = verify(stack, signer, challenge(stack, signer)["challenge"]).json()["token"]
    identity = get_me(stack, token).json()
    assert identity["status"] == "active" and identity["type"] == "user"
    [credential] = identity["credentials"]
    assert credential.pop("created_at") and credential == first.json()["credential"]


def test_registration_reveals_nothing_beyond_the_did_and_key(stack, admin):
    response = register(stack, admin.signer)  # anyone may replay someone else's public data
    assert response.status_code == 200
    assert set(response.json()) == {"did", "credential"}
    assert set(response.json()["credential"]) == {
        "credential_id", "type", "value", "verification_method"}  # not even when it was added


def test_owners_edit_their_profile_and_registration_is_not_attributed(stack, new_party):
    party = new_party("eth")
    response = httpx.patch(stack.url + "/api/v1/identities/me",
                           json={"name": "Acme Data", "type": "machine"},
                           headers={"Authorization": f"Bearer {party.client.token}"})
    assert response.status_code == 200
    assert response.json()["name"] == "Acme Data" and response.json()["type"] == "machine"
    events = party.client._call("GET", f"/api/v1/identities/{party.did}/events")["events"]
    assert [(e["type"], e["actor"]) for e in events] == [
        ("identity.registered", "anonymous"), ("identity.updated", party.did)]
    refused = httpx.patch(stack.url + "/api/v1/identities/me", json={"type": "enclave"},
                          headers={"Authorization": f"Bearer {party.client.token}"})
    assert refused.status_code == 400  # enclave identities are made by admins only


def test_ethereum_dids_register_with_their_address(stack):
    signer = EthereumSigner(chain_id=31337)
    response = register(stack, signer)
    assert response.status_code == 200
    assert response.json()["credential"]["value"] == signer.public_key


@pytest.mark.parametrize("did, code", [
    # Not the syntax of a supported method: the document's pattern refuses it.
    ("not a did", "validation_error"),
    ("did:example:123456", "validation_error"),
    ("did:key:zInvalid0OIl", "invalid_did"),  # the syntax, but not base58
    ("did:key:z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW", "unsupported_key_type"),
    ("did:pkh:eip155:1:0xb9C5714089478a327F09197987f16f9E5d936E8a", "invalid_did"),
])
def test_bad_dids_are_refused_with_a_specific_code(stack, did, code):
    problem(post(stack, "/api/v1/auth/register", {"did": did, "public_key": "00" * 32}),
            400, code)


def test_a_key_that_is_not_the_dids_is_refused(stack):
    signer, other = Ed25519Signer(), Ed25519Signer()
    response = post(stack, "/api/v1/auth/register",
                    {"did": signer.did, "public_key": other.public_key})
    problem(response, 400, "key_mismatch")
    eth, other_eth = EthereumSigner(), EthereumSigner()
    response = post(stack, "/api/v1/auth/register",
                    {"did": eth.did, "public_key": other_eth.public_key})
    problem(response, 400, "key_mismatch")


def test_unknown_fields_wrong_types_and_bad_bodies(stack):
    signer = Ed25519Signer()
    body = problem(post(stack, "/api/v1/auth/register",
                        {"did": signer.did, "public_key": signer.public_key, "admin": True}),
                   400, "validation_error")
    assert {"pointer": "/admin", "message": "unknown field"} in body["errors"]
    body = problem(post(stack, "/api/v1/auth/register", {"did": 42, "public_key": []}),
                   400, "validation_error")
    assert {e["pointer"] for e in body["errors"]} == {"/did", "/public_key"}
    problem(httpx.post(stack.url + "/api/v1/auth/register", content=b"{not json",
                       headers={"Content-Type": "application/json"}), 400, "validation_error")
    problem(httpx.post(stack.url + "/api/v1/auth/register", content=b"did=x",
                       headers={"Content-Type": "application/x-www-form-urlencoded"}),
            415, "unsupported_media_type")
    problem(httpx.post(stack.url + "/api/v1/auth/register",
                       content=json.dumps({"did": "x" * 300_000}).encode(),
                       headers={"Content-Type": "application/json"}), 413, "payload_too_large")
    # Hostile nesting: this process has loaded eth_account (and py_ecc, which raises the
    # recursion limit), so a parser reaching it would overflow the stack, not raise.
    for depth in (33, 100_000):
        body = problem(httpx.post(stack.url + "/api/v1/auth/register",
                                  content=b"[" * depth + b"]" * depth,
                                  headers={"Content-Type": "application/json"}),
                       400, "validation_error")
        assert "nests deeper than 32" in body["detail"]
    text = challenge(stack, signer)["challenge"]
    problem(verify(stack, signer, text), 404, "identity_not_found")  # nothing was written
    assert register(stack, signer).status_code == 200


# ------------------------------------------------------------------ challenges


def test_ethereum_challenge_is_a_complete_siwe_message(stack):
    signer = EthereumSigner(chain_id=31337)
    register(stack, signer)
    issued = challenge(stack, signer)
    text = issued["challenge"]
    port = stack.url.rsplit(":", 1)[1]
    assert text.startswith(f"localhost:{port} wants you to sign in with your Ethereum account:\n"
                           f"{signer.public_key}\n\n")
    assert f"\nURI: http://localhost:{port}\n" in text and "\nVersion: 1\n" in text
    assert "\nChain ID: 31337\n" in text and "\nExpiration Time: " in text
    nonce = re.search(r"\nNonce: ([A-Za-z0-9]+)\n", text).group(1)
    assert nonce == issued["nonce"] and len(nonce) * 5.95 >= 96  # base62: >= 96 bits
    from cms.domain.siwe import parse_siwe

    assert parse_siwe(text).nonce == nonce


def test_ed25519_challenge_is_domain_bound_text(stack):
    signer = Ed25519Signer()
    register(stack, signer)
    text = challenge(stack, signer)["challenge"]
    assert "wants you to sign in with your DID:\n" + signer.did in text
    assert "\nNonce: " in text and "\nExpiration Time: " in text


def test_unregistered_dids_get_a_challenge_but_no_token(stack):
    # A challenge tells nobody whether the DID is registered (tests/e2e/test_sessions_api.py);
    # only the key's holder learns it, at verification.
    signer = Ed25519Signer()
    text = challenge(stack, signer)["challenge"]
    problem(verify(stack, signer, text), 404, "identity_not_found")


# ------------------------------------------------------------------ verification


@pytest.mark.parametrize("make", [lambda: EthereumSigner(chain_id=31337), Ed25519Signer])
def test_sign_in_returns_a_pinned_short_lived_jwt(stack, make):
    signer = make()
    register(stack, signer)
    text = challenge(stack, signer)["challenge"]
    response = verify(stack, signer, text)
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA"
    jwks = httpx.get(stack.url + "/.well-known/jwks.json").json()
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    claims = jwt.decode(token, jwt.PyJWK(key).key, algorithms=["EdDSA"], audience="cms-api",
                        issuer="cms")
    assert claims["sub"] == signer.did and claims["jti"]
    assert claims["exp"] - claims["iat"] == 900


def test_signature_formats_with_and_without_prefix(stack):
    eth = EthereumSigner(chain_id=31337)
    register(stack, eth)
    text = challenge(stack, eth)["challenge"]
    assert verify(stack, eth, text, eth.sign_message(text).removeprefix("0x")).status_code == 200
    ed = Ed25519Signer()
    register(stack, ed)
    text = challenge(stack, ed)["challenge"]
    raw = bytes.fromhex(ed.sign_message(text))
    b64url = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert verify(stack, ed, text, b64url).status_code == 200


def test_a_used_challenge_is_a_401_problem(stack):
    # The rules (single use under concurrency, expiry, altered or invented challenges) are
    # tested on the service (tests/unit/services/test_auth.py); here, how they answer.
    signer = Ed25519Signer()
    register(stack, signer)
    text = challenge(stack, signer)["challenge"]
    signature = signer.sign_message(text)
    assert verify(stack, signer, text, signature).status_code == 200
    problem(verify(stack, signer, text, signature), 401, "challenge_used")


def test_a_signature_over_other_text_or_by_another_key_is_refused(stack):
    signer, other = Ed25519Signer(), Ed25519Signer()
    register(stack, signer)
    text = challenge(stack, signer)["challenge"]
    problem(verify(stack, signer, text, signer.sign_message(text + " ")), 401,
            "invalid_signature")
    problem(verify(stack, signer, text, other.sign_message(text)), 401, "invalid_signature")
    problem(verify(stack, signer, text, "zz-not-a-signature"), 400, "validation_error")
    problem(verify(stack, signer, text, "0x" + "15" * 64 + "1b"), 401, "invalid_signature")
    assert verify(stack, signer, text).status_code == 200  # the challenge survived


def test_sign_in_attempts_are_rate_limited_per_did_and_address(stack):
    signer = Ed25519Signer()
    register(stack, signer)
    responses = [post(stack, "/api/v1/auth/challenge", {"did": signer.did}) for _ in range(12)]
    limited = [r for r in responses if r.status_code == 429]
    assert limited, [r.status_code for r in responses]
    body = problem(limited[0], 429, "rate_limited")
    assert int(limited[0].headers["Retry-After"]) >= 1 and body["detail"]


# ------------------------------------------------------------------ tokens at the gateway


def forged(stack, **overrides):
    """A token made with the deployment's real signing key (read from local Secrets Manager);
    a claim overridden with None is left out."""
    client = boto3.client("secretsmanager")
    arn = next(s["ARN"] for s in client.list_secrets()["SecretList"])
    key = derive_signing_key(client.get_secret_value(SecretId=arn)["SecretString"])
    now = int(time.time())
    claims = {"iss": "cms", "aud": "cms-api", "sub": "did:key:z6Mkx", "iat": now, "nbf": now,
              "exp": now + 600, "jti": "forged", "sgen": 0, **overrides}
    claims = {name: value for name, value in claims.items() if value is not None}
    return key, jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})


def get_me(stack, token):
    return httpx.get(stack.url + "/api/v1/identities/me",
                     headers={"Authorization": f"Bearer {token}"} if token else {})


def b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_protected_routes_refuse_missing_and_bad_tokens(stack, new_party):
    party = new_party("ed25519")
    assert get_me(stack, party.client.token).status_code == 200
    problem(get_me(stack, None), 401, "unauthorized")
    _, expired = forged(stack, sub=party.did, exp=int(time.time()) - 300)
    problem(get_me(stack, expired), 401, "unauthorized")
    _, audience = forged(stack, sub=party.did, aud="other-api")
    problem(get_me(stack, audience), 401, "unauthorized")
    key, _ = forged(stack)
    none = f"{b64({'alg': 'none', 'kid': key.kid})}.{b64({'sub': party.did})}."
    problem(get_me(stack, none), 401, "unauthorized")
    jwk = httpx.get(stack.url + "/.well-known/jwks.json").json()["keys"][0]
    header, body = b64({"alg": "HS256", "kid": jwk["kid"]}), b64({"sub": party.did})
    secret = base64.urlsafe_b64decode(jwk["x"] + "==")
    mac = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
    hs256 = f"{header}.{body}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"
    problem(get_me(stack, hs256), 401, "unauthorized")
    problem(get_me(stack, "garbage"), 401, "unauthorized")


def test_suspended_identities_cannot_sign_in_or_use_tokens(stack, new_party, admin):
    party = new_party("ed25519")
    token = party.client.token  # issued before the suspension, not yet used (not cached)
    response = httpx.patch(stack.url + f"/api/v1/identities/{party.did}",
                           json={"status": "suspended"},
                           headers={"Authorization": f"Bearer {admin.client.token}"})
    assert response.status_code == 200 and response.json()["status"] == "suspended"
    text = challenge(stack, party.signer)["challenge"]  # as for any DID
    problem(verify(stack, party.signer, text), 403, "identity_suspended")
    problem(get_me(stack, token), 401, "unauthorized")


def test_only_admins_administer_identities(stack, new_party):
    party, other = new_party("ed25519"), new_party("eth")
    response = httpx.patch(stack.url + f"/api/v1/identities/{other.did}",
                           json={"status": "suspended"},
                           headers={"Authorization": f"Bearer {party.client.token}"})
    problem(response, 403, "forbidden")
