"""Per-identity quotas on what one caller can make the platform do for free: circuit
evaluations (each one enclave work and KMS key releases) and circuit deployments (each one
KMS key pair).

A quota holds two counts for one identity. *Held*: named things in flight at once (an
evaluation from its request until its result is recorded, the job given up, or ``hold_s``
passes, whichever is first: a job lost with its parent frees its place by itself). *Window*:
how many were admitted in the current fixed window of ``window_s`` seconds. The state is a
value; the store applies ``admitted``/``released`` to it atomically.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cms.domain.errors import EvaluationLimitReached, RateLimited


@dataclass(frozen=True)
class Quota:
    held: int  # at most this many in flight at once (0: nothing is held, the window only)
    per_window: int  # admitted per window
    window_s: int
    hold_s: int = 0  # the longest a place stays held without being released

    @property
    def keep_s(self) -> int:
        """How long a state must outlive its last change to still count."""
        return max(self.window_s, self.hold_s)


@dataclass(frozen=True)
class QuotaState:
    held: Mapping[str, float] = field(default_factory=dict)  # name → held until (epoch s)
    window_start: float = 0.0
    used: int = 0  # admitted since window_start

    def to_json(self) -> dict[str, Any]:
        return {"held": dict(self.held), "window_start": self.window_start, "used": self.used}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> QuotaState:
        return cls({str(name): float(until) for name, until in data["held"].items()},
                   float(data["window_start"]), int(data["used"]))


def admitted(state: QuotaState | None, name: str, quota: Quota, now: float,
             what: str = "evaluations") -> QuotaState:
    """The state with ``name`` admitted, or EvaluationLimitReached (409) / RateLimited (429).
    Admitting a name already held (a retried request) is free."""
    state = state or QuotaState()
    held = {key: until for key, until in state.held.items() if until > now}
    if name in held and quota.held:
        return QuotaState(held, state.window_start, state.used)
    start, used = state.window_start, state.used
    if used == 0 or now >= start + quota.window_s:  # the first admission opens a window
        start, used = now, 0
    if used >= quota.per_window:
        retry_after = max(1, math.ceil(start + quota.window_s - now))
        raise RateLimited(f"at most {quota.per_window} circuit {what} per identity every "
                          f"{quota.window_s} s; try again in {retry_after} s", retry_after)
    if quota.held:
        if len(held) >= quota.held:
            raise EvaluationLimitReached(
                f"{len(held)} of your circuit {what} are queued or running (at most "
                f"{quota.held} at once): one must be recorded or given up first",
                limit=quota.held)
        held[name] = now + quota.hold_s
    return QuotaState(held, start, used + 1)


def released(state: QuotaState | None, name: str, now: float) -> QuotaState:
    state = state or QuotaState()
    held = {key: until for key, until in state.held.items() if until > now and key != name}
    return QuotaState(held, state.window_start, state.used)
