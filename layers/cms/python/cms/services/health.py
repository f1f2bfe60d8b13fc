"""Dependency health for ``GET /health``, ``/health/details`` and ``/health/chain``.

Every dependency is probed at once, in threads, and the report is made when the last answers
or the deadline passes, whichever comes first: a dependency that does not answer in time is
reported degraded (slow is not failed: a busy moment must not make the API look down, which
only a dependency that answered with a failure does), and its probe is not started again while
it still runs, so a hung dependency holds one thread, never one per request. The report is
kept ``cache_ttl_s`` seconds, so however often an anonymous caller asks, a container probes at
most once in that time.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime

from cms.domain.canonical import iso_utc, utc_now
from cms.domain.errors import DomainError
from cms.domain.health import (
    AnchoringFacts,
    Finding,
    LedgerFacts,
    ParentFacts,
    Status,
    ok,
    reason_of,
)

# A probe returns a Finding, or anything else when reaching the dependency is all it checks;
# raising means the dependency is down.
Probe = Callable[[], object]
TOKEN_KEYS = "secretsmanager:jwt-signing-key"  # noqa: S105 - a check name
LEDGER = "ledger:rpc"
ANCHORING = "ledger:anchoring"
ENCLAVE_PARENT = "enclave:parent"


@dataclass(frozen=True)
class Dependency:
    probe: Probe
    # Requests need it: when it is down the service is down (503). A background dependency
    # (the chain, anchoring, the enclave) down leaves the API serving, its work waiting.
    critical: bool = True


@dataclass(frozen=True)
class Check:
    finding: Finding
    latency_ms: float
    critical: bool

    @property
    def status(self) -> Status:
        return self.finding.status


@dataclass(frozen=True)
class ChainStatus:
    """What anyone may know of the chain: nothing an operator keeps to themselves."""

    configured: bool
    chain_id: int | None
    latest_block: int | None
    anchoring_lag_s: float | None
    anchoring_healthy: bool
    checked_at: str


@dataclass(frozen=True)
class HealthReport:
    checked_at: str
    checks: Mapping[str, Check]

    @property
    def status(self) -> Status:
        """down when a dependency requests need is down; degraded when any is not ok."""
        if any(check.critical and check.status is Status.DOWN for check in self.checks.values()):
            return Status.DOWN
        if any(check.status is not Status.OK for check in self.checks.values()):
            return Status.DEGRADED
        return Status.OK

    def require_serving(self) -> HealthReport:
        """The report, or ServiceDegraded carrying each dependency's status (a 503 problem
        whose ``checks`` member is all an anonymous caller learns)."""
        if self.status is Status.DOWN:
            down = sorted(name for name, check in self.checks.items()
                          if check.critical and check.status is Status.DOWN)
            raise ServiceDegraded(f"down: {', '.join(down)}", checks={
                name: {"status": check.status.value} for name, check in self.checks.items()})
        return self

    def facts(self, name: str) -> object:
        check = self.checks.get(name)
        return check.finding.facts if check is not None else None

    def parents(self) -> tuple[ParentFacts, ...]:
        facts = self.facts(ENCLAVE_PARENT)
        return facts if isinstance(facts, tuple) else ()

    def chain(self) -> ChainStatus:
        ledger, anchoring = self.facts(LEDGER), self.facts(ANCHORING)
        ledger = ledger if isinstance(ledger, LedgerFacts) else LedgerFacts()
        lag = anchoring.lag_s if isinstance(anchoring, AnchoringFacts) else None
        healthy = (self._status_of(ANCHORING) is Status.OK
                   and self._status_of(LEDGER) is not Status.DOWN)
        return ChainStatus(ledger.chain_id is not None, ledger.chain_id, ledger.block_number,
                           lag, healthy, self.checked_at)

    def _status_of(self, name: str) -> Status:
        check = self.checks.get(name)
        return check.status if check is not None else Status.DOWN


class ServiceDegraded(DomainError):
    """A dependency requests need is down: the problem carries every dependency's status
    (``checks``), as load balancers and monitors read them."""

    code, status, title = "service_degraded", 503, "A dependency is down"


class HealthService:
    def __init__(self, dependencies: Mapping[str, Dependency | Probe], *,
                 timeout_s: float = 2.0, cache_ttl_s: float = 0.0,
                 timer: Callable[[], float] = time.perf_counter,
                 monotonic: Callable[[], float] = time.monotonic,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self._dependencies = {name: d if isinstance(d, Dependency) else Dependency(d)
                              for name, d in dependencies.items()}
        self._timeout_s = timeout_s
        self._cache_ttl_s = cache_ttl_s
        self._timer, self._monotonic, self._clock = timer, monotonic, clock
        self._pool = ThreadPoolExecutor(max_workers=max(1, len(self._dependencies)),
                                        thread_name_prefix="health-probe")
        self._running: dict[str, Future[tuple[Finding, float]]] = {}
        self._lock = threading.Lock()
        self._cached: tuple[float, HealthReport] | None = None

    @property
    def dependencies(self) -> Mapping[str, Dependency]:
        return self._dependencies

    def check(self) -> HealthReport:
        """Every dependency: a fresh report, or the one made less than ``cache_ttl_s`` ago."""
        with self._lock:
            if self._cached is not None and self._monotonic() < self._cached[0]:
                return self._cached[1]
            report = self._probe_all()
            self._cached = (self._monotonic() + self._cache_ttl_s, report)
            return report

    def _probe_all(self) -> HealthReport:
        # Each probe in the caller's context: whatever it carries (a trace, the local stack's
        # IAM check of the function's calls) applies in every thread.
        context = contextvars.copy_context()
        futures = {}
        for name, dependency in self._dependencies.items():
            future = self._running.get(name)
            if future is None or future.done():
                future = self._pool.submit(context.copy().run, self._timed, dependency.probe)
                self._running[name] = future
            futures[name] = future
        wait(futures.values(), timeout=self._timeout_s)
        checks = {name: self._check(future, self._dependencies[name].critical)
                  for name, future in futures.items()}
        return HealthReport(iso_utc(self._clock()), checks)

    def _check(self, future: Future[tuple[Finding, float]], critical: bool) -> Check:
        if not future.done():
            return Check(Finding(Status.DEGRADED, f"no answer within {self._timeout_s:g} s"),
                         round(self._timeout_s * 1000, 1), critical)
        finding, latency_ms = future.result()
        return Check(finding, latency_ms, critical)

    def _timed(self, probe: Probe) -> tuple[Finding, float]:
        started = self._timer()
        try:
            result = probe()
        except Exception as error:  # whatever fails, the report says so
            finding = Finding(Status.DOWN, reason_of(error))
        else:
            finding = result if isinstance(result, Finding) else ok()
        return finding, round(max(self._timer() - started, 0.0) * 1000, 1)
