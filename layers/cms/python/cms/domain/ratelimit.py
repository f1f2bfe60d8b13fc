"""Token bucket arithmetic (the store that persists buckets lives in adapters)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Bucket:
    tokens: float
    refilled_at: float  # epoch seconds


@dataclass(frozen=True)
class Outcome:
    allowed: bool
    bucket: Bucket
    retry_after_s: int


def take(bucket: Bucket | None, *, now: float, burst: int, per_minute: int) -> Outcome:
    """Refill by elapsed time, then take one token if there is one."""
    rate = per_minute / 60.0
    tokens = float(burst) if bucket is None else min(
        float(burst), bucket.tokens + max(0.0, now - bucket.refilled_at) * rate)
    if tokens >= 1.0:
        return Outcome(True, Bucket(tokens - 1.0, now), 0)
    retry_after = max(1, math.ceil((1.0 - tokens) / rate))
    return Outcome(False, Bucket(tokens, now), retry_after)
