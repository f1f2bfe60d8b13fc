"""Token buckets as GCRA (cms.domain.ratelimit): the arithmetic every store shares."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cms.domain.ratelimit import MICROS, Limit, take

T0 = 1_800_000_000 * MICROS


def takes(limit: Limit, times_us: list[int]) -> list[bool]:
    arrival, allowed = None, []
    for now in times_us:
        outcome, taken = take(arrival, now_us=now, limit=limit)
        allowed.append(outcome.allowed)
        arrival = taken if taken is not None else arrival
    return allowed


def test_a_full_bucket_allows_the_burst_then_refuses_with_retry_after():
    limit = Limit(burst=10, per_minute=20)  # one token every 3 s
    assert takes(limit, [T0] * 11) == [True] * 10 + [False]
    arrival = None
    for _ in range(10):
        _, arrival = take(arrival, now_us=T0, limit=limit)
    refused, unchanged = take(arrival, now_us=T0, limit=limit)
    assert (refused.allowed, refused.remaining, refused.retry_after_s) == (False, 0, 3)
    assert unchanged is None  # a refusal takes nothing


def test_tokens_come_back_one_interval_at_a_time_up_to_the_burst():
    limit = Limit(burst=2, per_minute=60)
    second = MICROS
    assert takes(limit, [T0, T0, T0 + second // 2, T0 + second]) == [True, True, False, True]
    # Idle for ever: the bucket is full again, never fuller.
    assert takes(limit, [T0, T0 + 10**6 * second, T0 + 10**6 * second,
                         T0 + 10**6 * second]) == [True, True, True, False]


def test_the_outcome_says_what_is_left_and_when_the_next_token_comes():
    limit = Limit(burst=3, per_minute=6)  # one token every 10 s
    first, arrival = take(None, now_us=T0, limit=limit)
    assert (first.allowed, first.remaining, first.reset_s) == (True, 2, 10)
    second, arrival = take(arrival, now_us=T0 + 4 * MICROS, limit=limit)
    # Two in use: the first comes back 10 s after it was taken, 6 s from now.
    assert (second.remaining, second.reset_s) == (1, 6)
    third, arrival = take(arrival, now_us=T0 + 4 * MICROS, limit=limit)
    assert (third.remaining, third.reset_s) == (0, 6)
    refused, _ = take(arrival, now_us=T0 + 5 * MICROS, limit=limit)
    assert (refused.allowed, refused.remaining, refused.retry_after_s) == (False, 0, 5)


def test_seconds_are_rounded_up_never_to_zero():
    limit = Limit(burst=1, per_minute=600_000)  # a token every 100 µs
    outcome, _ = take(None, now_us=T0, limit=limit)
    assert outcome.reset_s == 1


@pytest.mark.parametrize(("burst", "per_minute"), [(0, 10), (10, 0), (-1, 10),
                                                   (10, 60 * MICROS + 1), (MICROS + 1, 10)])
def test_a_limit_out_of_range_is_refused(burst, per_minute):
    with pytest.raises(ValueError, match="a limit needs"):
        Limit(burst, per_minute)


def reference_bucket(limit: Limit, times_us: list[int]) -> list[bool]:
    """The textbook refilling bucket, in exact fractions: min(burst, tokens + elapsed*rate)."""
    rate = Fraction(1, limit.interval_us)
    tokens, last, allowed = Fraction(limit.burst), None, []
    for now in times_us:
        if last is not None:
            tokens = min(Fraction(limit.burst), tokens + (now - last) * rate)
        last = now
        allowed.append(tokens >= 1)
        tokens -= 1 if tokens >= 1 else 0
    return allowed


@settings(max_examples=300, deadline=None)
@given(burst=st.integers(1, 8), per_minute=st.integers(1, 600),
       gaps=st.lists(st.integers(0, 30 * MICROS), min_size=1, max_size=60))
def test_it_decides_as_a_refilling_token_bucket_does(burst, per_minute, gaps):
    limit, times, now = Limit(burst, per_minute), [], T0
    for gap in gaps:
        now += gap
        times.append(now)
    assert takes(limit, times) == reference_bucket(limit, times)
