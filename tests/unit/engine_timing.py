"""Time the engine's tests control: a monotonic clock that moves only when told (so no
assertion depends on how fast the machine is), and a kind whose calls take a given time."""

from __future__ import annotations

from typing import Any

from cms.domain.engine.kinds import ContractKind, Invocation


class ManualTimer:
    """A ``time.monotonic`` stand-in: ``advance`` moves it; while ``step`` is set, every
    reading is ``step`` seconds after the previous one (each metered step "takes" that long)."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.step = 0.0

    def __call__(self) -> float:
        self.now += self.step
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Slowed:
    """``kind``, except that each call takes ``seconds`` of ``timer`` before its first step."""

    def __init__(self, kind: ContractKind, timer: ManualTimer, seconds: float) -> None:
        self._kind, self._timer, self.seconds = kind, timer, seconds

    def __getattr__(self, name: str) -> Any:
        return getattr(self._kind, name)

    def call(self, call: Invocation) -> Any:
        self._timer.advance(self.seconds)
        return self._kind.call(call)
