"""Heartbeats of the platform's background components (the anchor function, the enclave's
parent), which the health check reads to tell whether they still run."""

from __future__ import annotations

from typing import Protocol

from cms.domain.health import Heartbeat


class Heartbeats(Protocol):
    def beat(self, heartbeat: Heartbeat) -> None:
        """Record the instance's latest report (replacing its previous one).
        DependencyUnavailable if the store cannot take it."""

    def latest(self, component: str, limit: int = 20) -> list[Heartbeat]:
        """The latest report of each of the component's instances (at most ``limit``; old
        instances' reports expire within a day)."""
