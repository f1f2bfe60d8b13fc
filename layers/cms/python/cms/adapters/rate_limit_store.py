"""Token buckets in DynamoDB, updated with optimistic concurrency."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from pynamodb.exceptions import PutError

from cms.adapters.dynamo import is_lost_condition, unavailable_on_connection_errors
from cms.adapters.tables import RateLimitRecord
from cms.domain.errors import DependencyUnavailable
from cms.domain.ratelimit import Bucket, Outcome, take

ATTEMPTS = 4


class DynamoRateLimitStore:
    def take(self, bucket_key: str, *, burst: int, per_minute: int) -> Outcome:
        """Take a token from ``bucket_key``; retried when a concurrent taker wrote first."""
        for _ in range(ATTEMPTS):
            record = self._load(bucket_key)
            previous = None if record is None else Bucket(float(record.tokens),
                                                          float(record.refilled_at))
            now = time.time()
            outcome = take(previous, now=now, burst=burst, per_minute=per_minute)
            condition = (RateLimitRecord.bucket.does_not_exist() if record is None
                         else RateLimitRecord.refilled_at == record.refilled_at)
            updated = RateLimitRecord(
                bucket_key, tokens=outcome.bucket.tokens, refilled_at=outcome.bucket.refilled_at,
                # A full bucket is the same as no bucket: let DynamoDB drop idle ones.
                ttl=datetime.fromtimestamp(now + 60 * burst / max(per_minute, 1) + 60, UTC))
            try:
                unavailable_on_connection_errors(lambda u=updated, c=condition: u.save(condition=c))
                return outcome
            except PutError as error:
                if not is_lost_condition(error):
                    raise DependencyUnavailable("rate limiter unavailable") from error
        # Heavy contention on one bucket is itself a sign of abuse: refuse.
        return Outcome(False, Bucket(0.0, time.time()), 1)

    @staticmethod
    def _load(bucket_key: str) -> RateLimitRecord | None:
        def load() -> RateLimitRecord | None:
            try:
                return RateLimitRecord.get(bucket_key, consistent_read=True)
            except RateLimitRecord.DoesNotExist:
                return None

        return unavailable_on_connection_errors(load)
