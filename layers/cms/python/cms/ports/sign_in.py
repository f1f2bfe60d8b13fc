"""Sign-in challenges (issued once, consumed once) and rate-limit token buckets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cms.domain.ratelimit import Outcome


@dataclass(frozen=True)
class StoredChallenge:
    nonce: str
    did: str
    challenge: str
    issued_at: str
    expires_at: str
    consumed_at: str | None


class ChallengeStore(Protocol):
    def put(self, challenge: StoredChallenge, expires_epoch: int) -> None:
        """Store a new challenge (kept a while past ``expires_epoch``, then forgotten)."""

    def get(self, nonce: str) -> StoredChallenge | None: ...

    def consume(self, nonce: str, challenge: str, at: str) -> None:
        """Mark it used; of concurrent callers exactly one succeeds, the others (and any
        later one, or one naming other text) get ChallengeUsed."""


class RateLimitStore(Protocol):
    def take(self, bucket_key: str, *, burst: int, per_minute: int) -> Outcome:
        """Take a token from the bucket (concurrent takers never both get the last one)."""
