"""Token buckets as GCRA (the generic cell rate algorithm); the stores that keep them live in
adapters.

A bucket of ``burst`` tokens refilled at ``per_minute`` is kept as one number, its
*theoretical arrival time* (``tat``): the moment the bucket would be full again if nothing
else were taken. Taking a token moves it one interval later; a request is allowed when the
moved time stays within ``burst`` intervals of now. Because the state is a single number
that only moves forward by a constant, a store can take a token with one conditional
increment (``tat = tat + interval`` if ``tat`` is within bounds), with no read first and no
lost update between concurrent takers: the same arithmetic as a refilling bucket, without
the ``min(burst, tokens + elapsed * rate)`` that no database update can express.

Times are whole microseconds since the epoch, so a store computes exactly what this module
does.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

MICROS = 1_000_000
MAX_PER_MINUTE = 60 * MICROS  # one token per microsecond: the finest this arithmetic resolves


class RequestClass(Enum):
    """What a request costs the platform, for the per-identity buckets of the API. Each
    authenticated operation declares one; its value names the policy in the ``RateLimit``
    headers and the bucket."""

    READ = "read"  # reads a few items
    WRITE = "write"  # changes state: a transaction or two
    RENDER = "render"  # renders documents (Markdown, HTML, PDF) from a template
    COMPUTE = "compute"  # runs code or asks the chain: engine calls, dry runs, verification
    TRAINING = "training"  # queues work for the enclave and reserves a privacy budget
    UPLOAD = "upload"  # presigns an upload into the platform's buckets
    # Ends sessions (logout, revoking an identity's sessions): a bucket per token, not per
    # identity, so that whoever holds a stolen token cannot spend the tokens its owner needs
    # to end it (every other class is the identity's, which that holder shares).
    SESSION = "session"
    # No identity to key a bucket on: sign-in limits itself per DID and address, the public
    # documents (JWKS, health, the OpenAPI document, the ledger's address) have the stage's
    # throttle.
    PUBLIC = "public"


@dataclass(frozen=True)
class Limit:
    burst: int
    per_minute: int

    def __post_init__(self) -> None:
        if not 1 <= self.burst <= MICROS or not 1 <= self.per_minute <= MAX_PER_MINUTE:
            raise ValueError(f"a limit needs a burst of 1 to {MICROS} and 1 to "
                             f"{MAX_PER_MINUTE} tokens a minute, not {self}")

    @property
    def interval_us(self) -> int:
        """Microseconds per token."""
        return 60 * MICROS // self.per_minute

    @property
    def ahead_us(self) -> int:
        """How far past now the arrival time may already be for one more token to be
        taken: the tokens in use besides the one being taken."""
        return (self.burst - 1) * self.interval_us


@dataclass(frozen=True)
class Outcome:
    allowed: bool
    remaining: int  # whole tokens left after this request
    # Seconds until one more token is there (delay-seconds, at least 1): nothing more can be
    # taken before then than ``remaining``. For a refusal, when to try again.
    reset_s: int

    @property
    def retry_after_s(self) -> int:
        return 0 if self.allowed else self.reset_s


def take(tat_us: int | None, *, now_us: int, limit: Limit) -> tuple[Outcome, int | None]:
    """One token from the bucket whose arrival time is ``tat_us`` (None: never used, full).
    Returns the outcome and the new arrival time (None when refused: nothing changes)."""
    if tat_us is not None and tat_us > now_us + limit.ahead_us:
        return standing(tat_us, now_us=now_us, limit=limit, allowed=False), None
    taken = (now_us if tat_us is None else max(tat_us, now_us)) + limit.interval_us
    return standing(taken, now_us=now_us, limit=limit, allowed=True), taken


def standing(tat_us: int, *, now_us: int, limit: Limit, allowed: bool) -> Outcome:
    """What a bucket whose arrival time is ``tat_us`` holds at ``now_us``."""
    interval = limit.interval_us
    used = max(0, tat_us - now_us)  # the refill still owed, in microseconds
    remaining = max(0, limit.burst - _ceil_div(used, interval))
    # The next token arrives when the owed refill drops below the next whole interval.
    next_token_us = used - (limit.burst - remaining - 1) * interval
    return Outcome(allowed, remaining, max(1, _ceil_div(next_token_us, MICROS)))


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)
