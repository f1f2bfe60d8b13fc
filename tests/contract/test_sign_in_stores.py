"""Sign-in challenges (consumed exactly once) and rate-limit buckets."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from cms.domain.errors import ChallengeUsed
from cms.ports.sign_in import StoredChallenge


def challenge() -> StoredChallenge:
    return StoredChallenge(nonce=uuid.uuid4().hex, did="did:key:z6MkAda", challenge="sign me",
                           issued_at="2026-12-07T06:00:00.000Z",
                           expires_at="2026-12-07T06:05:00.000Z", consumed_at=None)


def test_a_challenge_reads_back_and_is_consumed_once(services):
    store, issued = services.challenge_store, challenge()
    store.put(issued, int(time.time()) + 300)
    assert store.get(issued.nonce) == issued
    store.consume(issued.nonce, issued.challenge, "2026-12-07T06:01:00.000Z")
    assert store.get(issued.nonce).consumed_at == "2026-12-07T06:01:00.000Z"
    with pytest.raises(ChallengeUsed):
        store.consume(issued.nonce, issued.challenge, "2026-12-07T06:02:00.000Z")


def test_other_text_or_an_unknown_nonce_cannot_be_consumed(services):
    store, issued = services.challenge_store, challenge()
    store.put(issued, int(time.time()) + 300)
    with pytest.raises(ChallengeUsed):
        store.consume(issued.nonce, "other text", "2026-12-07T06:01:00.000Z")
    with pytest.raises(ChallengeUsed):
        store.consume("unknown", "sign me", "2026-12-07T06:01:00.000Z")
    assert store.get("unknown") is None
    assert store.get(issued.nonce).consumed_at is None


def test_of_concurrent_consumers_exactly_one_wins(services):
    store, issued = services.challenge_store, challenge()
    store.put(issued, int(time.time()) + 300)

    def consume(_: int) -> bool:
        try:
            store.consume(issued.nonce, issued.challenge, "2026-12-07T06:01:00.000Z")
            return True
        except ChallengeUsed:
            return False

    with ThreadPoolExecutor(4) as pool:
        assert sorted(pool.map(consume, range(4))) == [False, False, False, True]


def test_a_bucket_allows_its_burst_then_says_when_to_retry(services):
    store, key = services.rate_limit_store, f"test:{uuid.uuid4().hex}"
    outcomes = [store.take(key, burst=3, per_minute=1) for _ in range(4)]
    assert [o.allowed for o in outcomes] == [True, True, True, False]
    assert outcomes[-1].retry_after_s >= 1
    assert store.take(f"test:{uuid.uuid4().hex}", burst=3, per_minute=1).allowed


def test_concurrent_takers_never_share_the_last_token(services):
    store, key = services.rate_limit_store, f"test:{uuid.uuid4().hex}"
    with ThreadPoolExecutor(4) as pool:
        allowed = list(pool.map(lambda _: store.take(key, burst=2, per_minute=1).allowed,
                                range(6)))
    assert sum(allowed) == 2
