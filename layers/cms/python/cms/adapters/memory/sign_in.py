"""Sign-in challenges and rate-limit buckets in memory (the ports: cms.ports.sign_in)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace

from cms.domain.errors import ChallengeUsed
from cms.domain.ratelimit import Bucket, Outcome, take
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
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, Bucket] = {}
        self._clock = clock

    def take(self, bucket_key: str, *, burst: int, per_minute: int) -> Outcome:
        with self._lock:
            outcome = take(self._buckets.get(bucket_key), now=self._clock(), burst=burst,
                           per_minute=per_minute)
            self._buckets[bucket_key] = outcome.bucket
            return outcome
