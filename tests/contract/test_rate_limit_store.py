"""Rate-limit buckets (cms.ports.sign_in.RateLimitStore): what sign-in and the per-identity
request limits rely on, in memory and on DynamoDB. (A burst and refusal, and concurrent
takers of the last token: tests/contract/test_sign_in_stores.py.)"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from cms.bootstrap import Services
from cms.config import Settings


def key() -> str:
    return f"test:{uuid.uuid4().hex}"


def test_the_outcome_says_what_is_left_and_when_the_next_token_comes(services):
    store, bucket = services.rate_limit_store, key()
    first = store.take(bucket, burst=3, per_minute=1)
    assert (first.allowed, first.remaining, first.reset_s) == (True, 2, 60)
    second = store.take(bucket, burst=3, per_minute=1)
    assert (second.allowed, second.remaining) == (True, 1)
    assert 59 <= second.reset_s <= 60
    store.take(bucket, burst=3, per_minute=1)
    refused = store.take(bucket, burst=3, per_minute=1)
    assert (refused.allowed, refused.remaining) == (False, 0)
    assert 59 <= refused.retry_after_s <= 60 and refused.reset_s == refused.retry_after_s


def test_a_refusal_takes_nothing(services):
    store, bucket = services.rate_limit_store, key()
    store.take(bucket, burst=1, per_minute=1)
    refusals = [store.take(bucket, burst=1, per_minute=1) for _ in range(3)]
    assert not any(r.allowed for r in refusals)
    # Each names the same moment: refusing did not push the next token further away.
    assert refusals[0].retry_after_s - refusals[-1].retry_after_s <= 1


def test_an_idle_bucket_is_full_again(services):
    store, bucket = services.rate_limit_store, key()
    assert store.take(bucket, burst=1, per_minute=60_000).allowed  # a token every ms
    time.sleep(0.01)
    assert store.take(bucket, burst=1, per_minute=60_000).allowed


def test_buckets_are_independent(services):
    store, one, other = services.rate_limit_store, key(), key()
    assert store.take(one, burst=1, per_minute=1).allowed
    assert not store.take(one, burst=1, per_minute=1).allowed
    assert store.take(other, burst=1, per_minute=1).allowed


def test_any_key_works_even_one_longer_than_a_partition_key(services):
    store, long_key = services.rate_limit_store, "api:read:did:web:" + "a" * 2100
    assert store.take(long_key, burst=1, per_minute=1).allowed
    assert not store.take(long_key, burst=1, per_minute=1).allowed
    assert store.take(long_key[:-1] + "b", burst=1, per_minute=1).allowed


def test_concurrent_takers_of_a_bucket_in_use_get_exactly_its_tokens(services):
    store, bucket = services.rate_limit_store, key()
    assert store.take(bucket, burst=5, per_minute=1).allowed  # in use from here on
    with ThreadPoolExecutor(6) as pool:
        allowed = list(pool.map(lambda _: store.take(bucket, burst=5, per_minute=1).allowed,
                                range(12)))
    assert sum(allowed) == 4


@pytest.fixture
def counted_updates(moto_dynamodb):
    """Services on moto, and a list that grows by one per DynamoDB call made."""
    from cms.adapters.aws import client

    calls: list[str] = []
    dynamodb = client("dynamodb")

    def count(event_name: str, **_: object) -> None:
        calls.append(event_name.rsplit(".", 1)[-1])

    dynamodb.meta.events.register("before-call.dynamodb.*", count)
    try:
        yield Services(Settings.from_environ(moto_dynamodb)), calls
    finally:
        dynamodb.meta.events.unregister("before-call.dynamodb.*", count)


def test_on_dynamodb_a_take_is_one_conditional_update(counted_updates):
    services, calls = counted_updates
    store, bucket = services.rate_limit_store, key()
    for expected in (True, True, True, False, False):  # new, in use, in use, refused, refused
        calls.clear()
        assert store.take(bucket, burst=3, per_minute=1).allowed is expected
        assert calls == ["UpdateItem"]


def test_on_dynamodb_a_bucket_another_container_moved_costs_one_more(counted_updates):
    services, calls = counted_updates
    bucket = key()
    here, there = services.rate_limit_store, type(services.rate_limit_store)()
    here.take(bucket, burst=3, per_minute=1)
    calls.clear()
    assert there.take(bucket, burst=3, per_minute=1).allowed  # guessed full: it is in use
    assert calls == ["UpdateItem", "UpdateItem"]
    calls.clear()
    assert there.take(bucket, burst=3, per_minute=1).allowed
    assert calls == ["UpdateItem"]
