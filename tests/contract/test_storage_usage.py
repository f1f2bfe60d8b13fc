"""Storage usage (attachment quotas per identity): each object counted once, a charge past a
limit refused whole, under any interleaving of concurrent charges; a refund takes back exactly
what was counted."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from cms.ports.errors import WriteConflict
from cms.ports.usage import QuotaExceeded, Usage


@pytest.fixture
def usage(services):
    return services.storage_usage


def owner() -> str:
    return f"did:key:z{uuid.uuid4().hex}"


def test_an_owner_never_charged_keeps_nothing(usage):
    assert usage.usage(owner()) == Usage(0, 0)


def test_each_object_is_counted_once(usage):
    who = owner()
    assert usage.charge(who, "a", 10, max_objects=5, max_bytes=100)
    assert not usage.charge(who, "a", 10, max_objects=5, max_bytes=100)  # a retry
    assert usage.charge(who, "b", 5, max_objects=5, max_bytes=100)
    assert usage.usage(who) == Usage(2, 15)
    assert usage.usage(owner()) == Usage(0, 0)  # per owner


@pytest.mark.parametrize("size, max_objects, max_bytes", [(1, 1, 100), (91, 5, 100),
                                                          (101, 5, 100), (1, 0, 100)])
def test_a_charge_past_either_limit_is_refused_whole(usage, size, max_objects, max_bytes):
    who = owner()
    if max_objects:
        usage.charge(who, "first", 10, max_objects=max_objects, max_bytes=max_bytes)
    before = usage.usage(who)
    with pytest.raises(QuotaExceeded) as refused:
        usage.charge(who, "second", size, max_objects=max_objects, max_bytes=max_bytes)
    assert refused.value.usage == before == usage.usage(who)


@pytest.mark.parametrize("max_objects, max_bytes", [(5, 5), (0, 100), (1, 100)])
def test_an_object_counted_before_is_not_refused_when_the_limits_were_lowered(
        usage, max_objects, max_bytes):
    """A retried registration after a deployment lowered the quota: the object is already
    counted, so it is neither refused nor counted again."""
    who = owner()
    assert usage.charge(who, "a", 10, max_objects=5, max_bytes=100)
    assert usage.charge(who, "a", 10, max_objects=max_objects, max_bytes=max_bytes) is False
    assert usage.usage(who) == Usage(1, 10)


def test_the_limits_hold_exactly_at_their_edge(usage):
    who = owner()
    assert usage.charge(who, "a", 60, max_objects=2, max_bytes=100)
    assert usage.charge(who, "b", 40, max_objects=2, max_bytes=100)
    assert usage.usage(who) == Usage(2, 100)


def test_a_refund_takes_back_what_was_counted_once(usage):
    who = owner()
    usage.charge(who, "a", 10, max_objects=5, max_bytes=100)
    usage.charge(who, "b", 7, max_objects=5, max_bytes=100)
    usage.refund(who, "a")
    usage.refund(who, "a")  # again: nothing more
    usage.refund(who, "never")
    assert usage.usage(who) == Usage(1, 7)
    assert usage.charge(who, "a", 10, max_objects=5, max_bytes=100)  # counted anew


def test_concurrent_charges_never_pass_a_quota_together(usage):
    who = owner()

    def charge(index: int) -> bool:
        for _ in range(20):  # a lost transaction race is worth retrying, as the trigger is
            try:
                return usage.charge(who, f"item-{index}", 10, max_objects=100, max_bytes=50)
            except WriteConflict:
                continue
            except QuotaExceeded:
                return False
        raise AssertionError("never decided")

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(charge, range(16)))
    assert outcomes.count(True) == 5
    assert usage.usage(who) == Usage(5, 50)
