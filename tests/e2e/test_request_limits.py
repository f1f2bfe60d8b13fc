"""Per-identity request limits through the gateway, on DynamoDB: the suites' stack lifts them
(one identity sends many requests), so here one function serves a while with small ones.
(Every rule, on the in-memory services: tests/unit/test_limits_per_identity.py.)"""

from __future__ import annotations

import math
import time

import httpx
import pytest

pytestmark = pytest.mark.e2e
ORIGIN = "https://app.example"
ME = "/api/v1/identities/me"
SMALL = {"CMS_RATE_LIMIT_READ_BURST": "2", "CMS_RATE_LIMIT_READ_PER_MINUTE": "6"}


def get(stack, party, path):
    return httpx.get(stack.url + path, timeout=30, headers={
        "Authorization": f"Bearer {party.client.token}", "Origin": ORIGIN})


def function(stack, name):
    return next(f for f in stack.functions.values() if f.name == name)


def test_reads_beyond_the_burst_are_refused_with_when_to_retry(stack, new_party):
    party, other = new_party("eth"), new_party("ed25519")
    with function(stack, "identities").varied(SMALL):
        started = time.monotonic()
        answers = [get(stack, party, ME) for _ in range(3)]
        # A token comes back every 10 s (6 a minute), counted from the first take: t and
        # Retry-After count down from 10 by the whole seconds that have passed since.
        passed = math.ceil(time.monotonic() - started)
        assert [a.status_code for a in answers] == [200, 200, 429], answers[-1].text
        assert answers[0].headers["ratelimit"] == '"read";r=1;t=10'
        waits = {str(10 - second) for second in range(min(passed, 9) + 1)}
        assert answers[1].headers["ratelimit"] in {f'"read";r=0;t={t}' for t in waits}
        refused = answers[-1]
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "rate_limited" and refused.json()["policy"] == "read"
        assert refused.headers["retry-after"] in waits
        assert refused.headers["ratelimit"] == f'"read";r=0;t={refused.headers["retry-after"]}'
        assert refused.headers["ratelimit-policy"] == '"read";q=6;w=60;cms-burst=2'
        exposed = set(refused.headers["access-control-expose-headers"].lower().split(","))
        assert {"retry-after", "ratelimit", "ratelimit-policy"} <= exposed
        assert get(stack, other, ME).status_code == 200  # another identity's own bucket
    assert get(stack, party, ME).status_code == 200


def test_every_answer_of_an_authenticated_route_carries_the_fields(stack, new_party):
    party = new_party("eth")
    answer = get(stack, party, "/api/v1/contracts")
    assert answer.status_code == 200
    assert answer.headers["ratelimit"].startswith('"read";r=')
    assert answer.headers["ratelimit-policy"].startswith('"read";q=')
    public = httpx.get(stack.url + "/.well-known/jwks.json", timeout=30)
    assert public.status_code == 200 and "ratelimit" not in public.headers


def test_a_sign_in_attempt_with_the_longest_did_is_answered_not_a_503(stack):
    # Its bucket's key outgrew what DynamoDB takes as a partition key: the store hashes it.
    did = "did:web:example.com:" + ":".join(["a" * 60] * 33)
    answer = httpx.post(stack.url + "/api/v1/auth/challenge", json={"did": did}, timeout=30)
    assert answer.status_code < 500, answer.text


def test_a_stolen_token_cannot_keep_its_owner_from_ending_its_sessions(stack, new_party):
    """The holder of a stolen token shares its identity's buckets; spending them (the writes,
    and the session bucket on a stranger's sessions) leaves the owner's other token able to
    end every session, the stolen one's included."""
    from tests.e2e.test_sessions_api import after_the_bound, bearer, signed_in

    owner, stranger = new_party("ed25519"), new_party("eth")
    stolen, owners = owner.client.token, signed_in(stack, owner.signer)
    small = {"CMS_RATE_LIMIT_WRITE_BURST": "2", "CMS_RATE_LIMIT_WRITE_PER_MINUTE": "1",
             "CMS_RATE_LIMIT_SESSION_BURST": "2", "CMS_RATE_LIMIT_SESSION_PER_MINUTE": "1"}
    sessions = stack.url + "/api/v1/identities/{}/sessions"
    with function(stack, "identities").varied(small):
        spent = [httpx.patch(stack.url + ME, json={"name": 7}, headers=bearer(stolen))
                 for _ in range(3)]
        spent += [httpx.delete(sessions.format(stranger.did), headers=bearer(stolen))
                  for _ in range(3)]
        assert [a.status_code for a in spent] == [400, 400, 429, 404, 404, 429]
        ended = httpx.delete(sessions.format(owner.did), headers=bearer(owners), timeout=30)
        assert ended.status_code == 204, ended.text
        assert ended.headers["ratelimit"].startswith('"session";r=1;')
    after_the_bound()
    assert httpx.get(stack.url + ME, headers=bearer(stolen)).status_code == 401
