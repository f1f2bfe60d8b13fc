"""Access tokens: only our EdDSA tokens, for our audience, unexpired, are accepted."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from cms.adapters.memory.keys import MemorySigningKeys
from cms.config import Settings
from cms.domain.errors import InvalidToken
from cms.domain.signing_keys import derive_signing_key
from cms.services.tokens import TokenService

SETTINGS = Settings(jwt_issuer="cms", jwt_audience="cms-api", token_ttl_s=900)


@pytest.fixture
def service():
    return TokenService(MemorySigningKeys("current-secret", "previous-secret"), SETTINGS)


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def claims(**changes):
    now = int(time.time())
    return {"iss": "cms", "aud": "cms-api", "sub": "did:key:z6Mk", "iat": now, "nbf": now,
            "exp": now + 900, "jti": "j1", "sgen": 0, **changes}


def test_issued_tokens_verify_with_pinned_claims(service):
    issued = service.issue("did:key:z6Mk", ["admin"], 7)
    header = jwt.get_unverified_header(issued.token)
    assert header["alg"] == "EdDSA" and header["kid"] == service.jwks()["keys"][0]["kid"]
    decoded = service.verify(issued.token)
    assert decoded["sub"] == "did:key:z6Mk" and decoded["roles"] == ["admin"]
    assert decoded["exp"] - decoded["iat"] == 900 and decoded["jti"] == issued.jti
    assert decoded["sgen"] == 7


def test_the_previous_key_still_verifies_after_rotation(service):
    previous = service._keys.keys[1]
    token = jwt.encode(claims(), previous.private_key, algorithm="EdDSA",
                       headers={"kid": previous.kid})
    assert service.verify(token)["sub"] == "did:key:z6Mk"


def sign(service, payload, **header):
    key = service._keys.current()
    return jwt.encode(payload, key.private_key, algorithm="EdDSA",
                      headers={"kid": key.kid, **header})


@pytest.mark.parametrize("payload, reason", [
    (claims(exp=int(time.time()) - 120), "expired"),
    (claims(aud="someone-else"), "audience"),
    (claims(iss="evil"), "someone else"),
])
def test_claims_are_enforced(service, payload, reason):
    with pytest.raises(InvalidToken, match=reason):
        service.verify(sign(service, payload))


@pytest.mark.parametrize("claim", ["jti", "sgen"])
def test_missing_jti_or_session_generation_is_refused(service, claim):
    payload = claims()
    del payload[claim]
    with pytest.raises(InvalidToken, match=claim):
        service.verify(sign(service, payload))


@pytest.mark.parametrize("generation", ["1", -1, 1.5, True, None])
def test_a_session_generation_that_is_no_count_is_refused(service, generation):
    with pytest.raises(InvalidToken, match="sgen"):
        service.verify(sign(service, claims(sgen=generation)))


def test_an_expired_token_gets_a_few_seconds_of_clock_skew_not_more(service):
    now = int(time.time())
    assert service.verify(sign(service, claims(exp=now - 3)))  # within the skew
    with pytest.raises(InvalidToken, match="expired"):
        service.verify(sign(service, claims(exp=now - SETTINGS.token_leeway_s - 2)))


def test_an_answer_kept_for_a_while_needs_a_token_valid_that_long(service):
    """The authorizer's answer is cached: a token expiring meanwhile is refused now, so that
    no cached answer outlives the token's expiry plus the skew."""
    now = int(time.time())
    token = sign(service, claims(exp=now + 2))
    assert service.verify(token)
    with pytest.raises(InvalidToken, match="expires before"):
        service.verify(token, valid_for_s=SETTINGS.token_leeway_s + 10)
    assert service.verify(sign(service, claims(exp=now + 60)), valid_for_s=30)


def test_alg_none_is_refused(service):
    kid = service._keys.current().kid
    token = f"{b64({'alg': 'none', 'kid': kid, 'typ': 'JWT'})}.{b64(claims())}."
    with pytest.raises(InvalidToken, match="algorithm"):
        service.verify(token)


def test_hs256_made_with_the_public_key_is_refused(service):
    jwk = service.jwks()["keys"][0]
    public_bytes = base64.urlsafe_b64decode(jwk["x"] + "==")
    header = b64({"alg": "HS256", "kid": jwk["kid"], "typ": "JWT"})
    body = b64(claims())
    import hashlib
    import hmac

    mac = hmac.new(public_bytes, f"{header}.{body}".encode(), hashlib.sha256).digest()
    token = f"{header}.{body}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"
    with pytest.raises(InvalidToken, match="algorithm"):
        service.verify(token)


def test_unknown_kid_and_foreign_keys_are_refused(service):
    foreign = derive_signing_key("attacker")
    token = jwt.encode(claims(), foreign.private_key, algorithm="EdDSA",
                       headers={"kid": service._keys.current().kid})
    with pytest.raises(InvalidToken):
        service.verify(token)
    token = jwt.encode(claims(), foreign.private_key, algorithm="EdDSA",
                       headers={"kid": foreign.kid})
    with pytest.raises(InvalidToken, match="unknown key"):
        service.verify(token)


def test_tampered_payload_is_refused(service):
    header, _, signature = service.issue("did:key:z6Mk", [], 0).token.split(".")
    forged = f"{header}.{b64(claims(roles=['admin']))}.{signature}"
    with pytest.raises(InvalidToken):
        service.verify(forged)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "e30.e30.e30"])
def test_garbage_is_refused(service, garbage):
    with pytest.raises(InvalidToken):
        service.verify(garbage)


def test_key_derivation_is_stable_and_secret_dependent():
    assert derive_signing_key("s").kid == derive_signing_key("s").kid
    assert derive_signing_key("s").kid != derive_signing_key("t").kid
