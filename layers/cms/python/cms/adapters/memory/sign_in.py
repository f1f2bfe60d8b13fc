"""Sign-in challenges and rate-limit buckets in memory (the ports: cms.ports.sign_in)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace

from cms.domain.errors import ChallengeUsed
from cms.domain.ratelimit import MICROS, Limit, Outcome, take
from cms.ports.sign_in import StoredChallenge


class MemoryChallengeStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._challenges: dict[str, StoredChallenge] = {}

    def put(self, challenge: StoredChallenge, expires_epoch: int) -> None:
        with self._lock:
            self._challenges[challenge.nonce] = challenge

    def get(self, nonce: str) -> StoredChallenge | None:
        with self._lock:
            return self._challenges.get(nonce)

    def consume(self, nonce: str, challenge: str, at: str) -> None:
        with self._lock:
            stored = self._challenges.get(nonce)
            if stored is None or stored.consumed_at is not None or stored.challenge != challenge:
                raise ChallengeUsed("this challenge has already been used to sign in")
            self._challenges[nonce] = replace(stored, consumed_at=at)


class MemoryRateLimitStore:
    """The buckets' arrival times (cms.domain.ratelimit) under one lock: a take is atomic,
    as the DynamoDB adapter's conditional update is."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._lock = threading.Lock()
        self._arrivals: dict[str, int] = {}
        self._clock = clock

    def take(self, bucket_key: str, *, burst: int, per_minute: int) -> Outcome:
        limit = Limit(burst, per_minute)
        with self._lock:
            outcome, arrival = take(self._arrivals.get(bucket_key),
                                    now_us=int(self._clock() * MICROS), limit=limit)
            if arrival is not None:
                self._arrivals[bucket_key] = arrival
            return outcome
