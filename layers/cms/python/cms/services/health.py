"""Dependency health for ``GET /health``: each dependency probed, timed, and reported."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Literal

from cms.domain.errors import DomainError

Probe = Callable[[], object]  # raises if the dependency cannot be used


@dataclass(frozen=True)
class DependencyCheck:
    status: Literal["ok", "down"]
    latency_ms: float
    error: str | None = None  # the exception's class: never internals to a public route


@dataclass(frozen=True)
class Health:
    status: Literal["ok", "degraded"]
    checks: dict[str, DependencyCheck]

    @property
    def healthy(self) -> bool:
        return self.status == "ok"

    def require_healthy(self) -> Health:
        """The report, or ServiceDegraded carrying it (a 503 problem with the checks)."""
        if not self.healthy:
            down = sorted(name for name, check in self.checks.items() if check.status == "down")
            raise ServiceDegraded(f"down: {', '.join(down)}",
                                  checks={name: asdict(check)
                                          for name, check in self.checks.items()})
        return self


class ServiceDegraded(DomainError):
    """A dependency is down: the problem carries every check (``checks``), as load balancers
    and operators read them."""

    code, status, title = "service_degraded", 503, "A dependency is down"


class HealthService:
    def __init__(self, probes: Mapping[str, Probe],
                 timer: Callable[[], float] = time.perf_counter) -> None:
        self._probes = probes
        self._timer = timer

    def check(self) -> Health:
        """Every probe, one after the other: a dependency that is down is reported, never
        skipped, and never stops the others being checked."""
        checks = {name: self._timed(probe) for name, probe in self._probes.items()}
        healthy = all(check.status == "ok" for check in checks.values())
        return Health("ok" if healthy else "degraded", checks)

    def _timed(self, probe: Probe) -> DependencyCheck:
        started = self._timer()
        try:
            probe()
        except Exception as error:  # whatever fails, the report says so
            return DependencyCheck("down", self._elapsed_ms(started), type(error).__name__)
        return DependencyCheck("ok", self._elapsed_ms(started))

    def _elapsed_ms(self, started: float) -> float:
        return round(max(self._timer() - started, 0.0) * 1000, 1)
