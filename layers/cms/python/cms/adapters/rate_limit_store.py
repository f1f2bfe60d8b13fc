"""Token buckets in DynamoDB: one conditional UpdateItem per request.

A bucket is one item holding its arrival time (``cms.domain.ratelimit``). Two updates take a
token, each conditional, so concurrent takers can never both get the last one:

* *continue* (the bucket is in use, its arrival time at or after now):
  ``tat = tat + interval`` if ``now <= tat <= now + (burst - 1) * interval``. DynamoDB adds
  atomically, so concurrent takers each move it by one interval, and the one that would move
  it past the bound is refused; nobody re-reads or retries for a lost update.
* *restart* (the bucket is full: no item, or its arrival time passed):
  ``tat = now + interval`` if the item is absent or ``tat < now``.

A refused condition returns the item as it was (``ReturnValuesOnConditionCheckFailure``),
which tells a refusal (arrival time past the bound: answered from that one call) from the
wrong guess of branch (tried again with the other). The guess comes from the arrival time
this container saw last for the bucket, so a busy client's requests cost one update each, as
do an idle client's and every refusal; a bucket another container moved costs one more.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from cms.adapters.aws import client
from cms.adapters.tables import RateLimitRecord
from cms.domain.errors import DependencyUnavailable
from cms.domain.ratelimit import MICROS, Limit, Outcome, standing

ATTEMPTS = 4  # each wrong guess is corrected by what the refusal returns: 2 suffice unless
# the bucket flips between full and in use under concurrent takers
# A partition key holds at most 2,048 bytes and a DID alone may be that long: longer keys are
# kept as their hash.
KEY_MAX_BYTES = 512
_KNOWN_MAX = 4096  # buckets whose arrival time a container remembers (a hint, not state)
_NAMES = {"#tat": "tat", "#ttl": "ttl"}
_CONTINUE = "SET #tat = #tat + :interval, #ttl = :expires"
_CONTINUE_IF = "#tat BETWEEN :now AND :latest"
_RESTART = "SET #tat = :taken, #ttl = :expires"
_RESTART_IF = "attribute_not_exists(#tat) OR #tat < :now"


class DynamoRateLimitStore:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._table = RateLimitRecord.Meta.table_name
        self._clock = clock
        self._known: dict[str, int] = {}

    def take(self, bucket_key: str, *, burst: int, per_minute: int) -> Outcome:
        """Take a token from ``bucket_key`` (concurrent takers never share the last one)."""
        limit, key = Limit(burst, per_minute), stored_key(bucket_key)
        now = int(self._clock() * MICROS)
        known = self._known.get(key)
        in_use = known is not None and known >= now
        for _ in range(ATTEMPTS):
            taken, seen = self._update(key, now, limit, in_use)
            if taken is not None:
                self._remember(key, taken)
                return standing(taken, now_us=now, limit=limit, allowed=True)
            if seen is not None and seen > now + limit.ahead_us:
                self._remember(key, seen)
                return standing(seen, now_us=now, limit=limit, allowed=False)
            in_use = seen is not None and seen >= now
        # Takers racing the bucket between full and in use this long are themselves a sign of
        # abuse: refuse rather than keep writing.
        return Outcome(False, 0, 1)

    def _update(self, key: str, now: int, limit: Limit,
                in_use: bool) -> tuple[int | None, int | None]:
        """(the new arrival time, None) when taken; (None, the item's arrival time or None
        when there is none) when the condition failed."""
        expires = (now + limit.burst * limit.interval_us) // MICROS + 60  # full by then
        values = {":now": now, ":expires": expires}
        if in_use:
            values |= {":interval": limit.interval_us, ":latest": now + limit.ahead_us}
            expression, condition = _CONTINUE, _CONTINUE_IF
        else:
            values |= {":taken": now + limit.interval_us}
            expression, condition = _RESTART, _RESTART_IF
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = client("dynamodb").update_item(
                TableName=self._table, Key={"bucket": {"S": key}},
                UpdateExpression=expression, ConditionExpression=condition,
                ExpressionAttributeNames=_NAMES,
                ExpressionAttributeValues={name: {"N": str(value)}
                                           for name, value in values.items()},
                ReturnValues="UPDATED_NEW", ReturnValuesOnConditionCheckFailure="ALL_OLD")
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise DependencyUnavailable("rate limiter unavailable") from error
            return None, _arrival(error.response.get("Item"))
        except BotoCoreError as error:
            raise DependencyUnavailable("rate limiter unreachable") from error
        return _arrival(answer.get("Attributes")), None

    def _remember(self, key: str, arrival: int) -> None:
        if len(self._known) >= _KNOWN_MAX:
            self._known.clear()
        self._known[key] = arrival


def stored_key(bucket_key: str) -> str:
    """The item's key: the bucket's own name, or its SHA-256 when that is too long."""
    if len(bucket_key.encode()) <= KEY_MAX_BYTES:
        return bucket_key
    return "sha256:" + hashlib.sha256(bucket_key.encode()).hexdigest()


def _arrival(item: dict[str, Any] | None) -> int | None:
    value = (item or {}).get("tat", {}).get("N")
    return None if value is None else int(value)
