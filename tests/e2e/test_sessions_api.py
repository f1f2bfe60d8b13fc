"""Sessions end when they should, through the local API Gateway and its authorizer cache.

The bound: a logout, a revocation of an identity's sessions or a suspension is refused by
every route within the authorizer's cache TTL (BOUND_S, 5 s), even for a token whose "allow"
the gateway has cached; an expired token is refused within the clock-skew leeway (5 s) after
its expiry, cache included. The local gateway caches the authorizer's answer per
Authorization header for the TTL the synthesized template gives, as API Gateway does, so each
test first has the gateway cache an "allow", then waits out the bound (a wait, not a timing
assertion) and expects the refusal.

What an anonymous caller learns from the public routes is tested here too: nothing about
whether a DID is registered or suspended.
"""

from __future__ import annotations

import time

import httpx
import pytest

from cms.config import Settings
from cms_client import ApiError, CmsClient, Ed25519Signer, EthereumSigner
from cms_client.cli import main as cms
from tests.e2e.test_auth_api import challenge, forged, get_me, post, problem, register, verify

pytestmark = pytest.mark.e2e

SETTINGS = Settings()
BOUND_S = SETTINGS.authorizer_cache_ttl_s
LEEWAY_S = SETTINGS.token_leeway_s


def cache_ttl(stack) -> int:
    [ttl] = {m.authorizer.ttl_s for m in stack.gateway.routes.methods if m.authorizer}
    return ttl


def cached(stack, token: str) -> None:
    """Use the token, so that the gateway caches the authorizer's allow for it."""
    assert get_me(stack, token).status_code == 200


def after_the_bound() -> None:
    time.sleep(BOUND_S + 0.5)


def signed_in(stack, signer) -> str:
    text = challenge(stack, signer)["challenge"]
    response = verify(stack, signer, text)
    assert response.status_code == 200, response.text
    return response.json()["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_gateway_caches_the_authorizer_no_longer_than_the_stated_bound(stack):
    assert cache_ttl(stack) == BOUND_S <= 5
    assert LEEWAY_S <= 5


def test_logout_ends_this_token_on_every_route_within_the_bound(stack, new_party):
    party = new_party("ed25519")
    other_session = signed_in(stack, party.signer)
    token = party.client.token
    cached(stack, token)
    response = httpx.post(stack.url + "/api/v1/auth/logout", headers=bearer(token))
    assert response.status_code == 204 and not response.content
    after_the_bound()
    problem(get_me(stack, token), 401, "unauthorized")
    response = httpx.get(stack.url + "/api/v1/contracts", headers=bearer(token))
    problem(response, 401, "unauthorized")
    problem(httpx.post(stack.url + "/api/v1/auth/logout", headers=bearer(token)), 401,
            "unauthorized")
    assert get_me(stack, other_session).status_code == 200  # the other session goes on


def test_logout_needs_a_token(stack):
    problem(post(stack, "/api/v1/auth/logout"), 401, "unauthorized")


def test_an_identity_ends_all_its_sessions_and_signs_in_again(stack, new_party):
    party = new_party("eth")
    tokens = [party.client.token, signed_in(stack, party.signer)]
    for token in tokens:
        cached(stack, token)
    response = httpx.delete(stack.url + f"/api/v1/identities/{party.did}/sessions",
                            headers=bearer(tokens[0]))
    assert response.status_code == 204 and not response.content
    after_the_bound()
    for token in tokens:
        problem(get_me(stack, token), 401, "unauthorized")
    fresh = signed_in(stack, party.signer)
    assert get_me(stack, fresh).status_code == 200
    events = httpx.get(stack.url + f"/api/v1/identities/{party.did}/events",
                       headers=bearer(fresh)).json()["events"]
    assert (events[-1]["type"], events[-1]["actor"]) == ("identity.sessions_revoked", party.did)


def test_an_admin_ends_anyones_sessions_and_nobody_else_does(stack, new_party, admin):
    target, stranger = new_party("ed25519"), new_party("eth")
    path = f"/api/v1/identities/{target.did}/sessions"
    problem(httpx.delete(stack.url + path, headers=bearer(stranger.client.token)), 404,
            "identity_not_found")
    cached(stack, target.client.token)
    response = httpx.delete(stack.url + path, headers=bearer(admin.client.token))
    assert response.status_code == 204
    after_the_bound()
    problem(get_me(stack, target.client.token), 401, "unauthorized")
    assert get_me(stack, stranger.client.token).status_code == 200


def test_a_suspension_reaches_a_cached_token_within_the_bound_and_outlives_reactivation(
        stack, new_party, admin):
    party = new_party("ed25519")
    token = party.client.token
    cached(stack, token)
    path = f"/api/v1/identities/{party.did}"
    for status in ("suspended", "active"):
        response = httpx.patch(stack.url + path, json={"status": status},
                               headers=bearer(admin.client.token))
        assert response.status_code == 200, response.text
    after_the_bound()
    problem(get_me(stack, token), 401, "unauthorized")  # reactivated, but the token is over
    assert get_me(stack, signed_in(stack, party.signer)).status_code == 200


def test_an_expired_token_is_refused_within_the_leeway_cache_included(stack, new_party):
    party = new_party("ed25519")
    expires = int(time.time()) + BOUND_S + 2
    _, token = forged(stack, sub=party.did, exp=expires)
    cached(stack, token)  # valid now: its allow is cached for the TTL
    time.sleep(max(0.0, expires + LEEWAY_S + 1 - time.time()))
    problem(get_me(stack, token), 401, "unauthorized")


def test_a_token_without_its_sessions_generation_is_refused(stack, new_party):
    party = new_party("ed25519")
    _, token = forged(stack, sub=party.did, sgen=None)
    problem(get_me(stack, token), 401, "unauthorized")


def test_the_client_and_the_cli_log_out_and_end_sessions(stack, new_party, monkeypatch,
                                                         capsys):
    party = new_party("eth")
    kept = CmsClient(stack.url)
    kept.sign_in(party.signer)
    token = party.client.token
    party.client.logout()
    assert party.client.token is None
    after_the_bound()
    problem(get_me(stack, token), 401, "unauthorized")
    assert kept.me()["did"] == party.did
    monkeypatch.setenv("CMS_TOKEN", kept.token)
    assert cms(["--url", stack.url, "revoke-sessions"]) == 0
    assert f'"did": "{party.did}"' in capsys.readouterr().out
    after_the_bound()
    with pytest.raises(ApiError) as refused:
        kept.me()
    assert refused.value.status == 401
    kept.close()


# ------------------------------------------------------------------ what anonymous callers learn


def suspend(stack, admin, did: str) -> None:
    response = httpx.patch(stack.url + f"/api/v1/identities/{did}",
                           json={"status": "suspended"}, headers=bearer(admin.client.token))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("make", [Ed25519Signer, lambda: EthereumSigner(chain_id=31337)])
def test_registration_answers_alike_for_new_known_and_suspended_dids(stack, admin, make):
    signer = make()
    answers = [register(stack, signer)]
    answers.append(register(stack, signer))
    signed_in(stack, signer)
    suspend(stack, admin, signer.did)
    answers.append(register(stack, signer))
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert set(answers[0].json()) == {"did", "credential"}


def test_a_challenge_answers_alike_for_unknown_known_and_suspended_dids(stack, admin):
    unknown, known, barred = Ed25519Signer(), Ed25519Signer(), Ed25519Signer()
    for signer in (known, barred):
        register(stack, signer)
    signed_in(stack, barred)
    suspend(stack, admin, barred.did)
    answers = [post(stack, "/api/v1/auth/challenge", {"did": s.did})
               for s in (unknown, known, barred)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len({frozenset(a.json()) for a in answers}) == 1
    assert len({a.headers["content-type"] for a in answers}) == 1
    # A signature by anyone but the key's holder: the same refusal for all three.
    impostor = Ed25519Signer()
    for signer, answer in zip((unknown, known, barred), answers, strict=True):
        text = answer.json()["challenge"]
        problem(verify(stack, signer, text, impostor.sign_message(text)), 401,
                "invalid_signature")
    # The holder of a key learns its identity's state.
    text = challenge(stack, barred)["challenge"]
    problem(verify(stack, barred, text), 403, "identity_suspended")
    text = challenge(stack, unknown)["challenge"]
    problem(verify(stack, unknown, text), 404, "identity_not_found")
