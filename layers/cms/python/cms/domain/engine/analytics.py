"""The enhanced engine's extras: a read-only result cache, performance metrics, health reports.

The cache key includes the contract's state version, so a cached result can never be stale:
any committed write moves the version and every older entry simply stops matching (TTL and
the entry cap bound memory, not correctness). Metrics and health read the storage's counters,
which every engine instance updates, so they describe the whole deployment; cache figures are
the serving instance's own (a Lambda container's cache is private to it) and say so.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from cms.domain.engine.records import ContractStats, ExecutionRecord, MinuteStats

RECENT_MINUTES = 15  # the window of "recent" error rate and active contracts
HEALTH_SAMPLE = 100  # executions a health report looks back on


class ResultCache:
    """An LRU map with a time-to-live per entry, safe across threads."""

    def __init__(self, ttl_s: float = 300.0, max_entries: int = 1000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s, self.max_entries, self._clock = ttl_s, max_entries, clock
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> tuple[bool, Any]:
        """(True, value) for a live entry, else (False, None); counts the hit or miss."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] > now:
                self._entries.move_to_end(key)
                self.hits += 1
                return True, entry[1]
            if entry is not None:
                del self._entries[key]
            self.misses += 1
            return False, None

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = (self._clock() + self.ttl_s, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def stats(self) -> CacheStats:
        lookups = self.hits + self.misses
        return CacheStats(hits=self.hits, misses=self.misses,
                          hit_rate=self.hits / lookups if lookups else 0.0,
                          entries=len(self._entries), max_entries=self.max_entries,
                          utilization=len(self._entries) / self.max_entries, ttl_s=self.ttl_s)


@dataclass(frozen=True)
class CacheStats:
    """The serving instance's result cache (a Lambda container's is private to it)."""

    hits: int
    misses: int
    hit_rate: float
    entries: int
    max_entries: int
    utilization: float
    ttl_s: float
    scope: str = "instance"


@dataclass(frozen=True)
class PerformanceMetrics:
    """The engine design's PerformanceMetrics, over every execution the storage has counted."""

    total_executions: int
    total_gas_consumed: int
    avg_execution_time_ms: float
    success_rate: float
    cache_hit_rate: float
    cache_utilization: float
    contracts: int
    active_contracts: int  # executed in the last RECENT_MINUTES
    recent_executions: int
    recent_error_rate: float
    cache: CacheStats
    window_minutes: int = RECENT_MINUTES

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def performance_metrics(totals: ContractStats, recent: Sequence[MinuteStats], contracts: int,
                        cache: CacheStats) -> PerformanceMetrics:
    recent_executions = sum(m.executions for m in recent)
    recent_failures = sum(m.failures for m in recent)
    active = frozenset().union(*(m.contracts for m in recent)) if recent else frozenset()
    return PerformanceMetrics(
        total_executions=totals.executions,
        total_gas_consumed=totals.gas_used,
        avg_execution_time_ms=_ratio(totals.duration_us, totals.executions) / 1000,
        success_rate=_success_rate(totals),
        cache_hit_rate=cache.hit_rate,
        cache_utilization=cache.utilization,
        contracts=contracts,
        active_contracts=len(active),
        recent_executions=recent_executions,
        recent_error_rate=_ratio(recent_failures, recent_executions),
        cache=cache)


# -- health ---------------------------------------------------------------------------------

HEALTHY, WARNING, CRITICAL = "healthy", "warning", "critical"
SLOW_EXECUTION_MS = 250.0  # an execution slower than this is worth a look
LOW_GAS_EFFICIENCY = 0.2  # limits five times what is used hide runaway costs
TIGHT_GAS = 0.9  # using 90% of the limit risks GasExhausted on the next larger input


@dataclass(frozen=True)
class ContractHealthReport:
    """The engine design's ContractHealthReport: score 0..1, status and what to do about it."""

    contract_address: str
    health_score: float
    status: str
    total_executions: int
    success_rate: float
    recent_success_rate: float
    avg_execution_time_ms: float
    gas_efficiency: float  # gas used / gas granted
    recent_errors: dict[str, int]  # error code -> count among the sample
    recommendations: list[str]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def health_report(stats: ContractStats, recent: Sequence[ExecutionRecord]) -> ContractHealthReport:
    """Score a contract from its totals and its last executions (newest first).

    The score weighs recent success (60%), time (20%) and gas headroom (20%); a contract never
    executed is healthy with nothing to say.
    """
    recent_success = _ratio(sum(r.success for r in recent), len(recent)) if recent else 1.0
    avg_ms = _ratio(stats.duration_us, stats.executions) / 1000
    efficiency = _ratio(stats.gas_used, stats.gas_limit) if stats.gas_limit else 1.0
    errors: dict[str, int] = {}
    for record in recent:
        if record.error:
            code = str(record.error.get("code", "unknown"))
            errors[code] = errors.get(code, 0) + 1
    time_score = 1.0 if avg_ms <= SLOW_EXECUTION_MS else SLOW_EXECUTION_MS / avg_ms
    gas_score = 1.0 if LOW_GAS_EFFICIENCY <= efficiency <= TIGHT_GAS else 0.5
    score = round(0.6 * recent_success + 0.2 * time_score + 0.2 * gas_score, 4)
    status = HEALTHY if score >= 0.8 else WARNING if score >= 0.5 else CRITICAL
    return ContractHealthReport(
        contract_address=stats.address or "", health_score=score, status=status,
        total_executions=stats.executions, success_rate=_success_rate(stats),
        recent_success_rate=recent_success, avg_execution_time_ms=avg_ms,
        gas_efficiency=efficiency, recent_errors=errors,
        recommendations=_recommendations(recent, recent_success, avg_ms, efficiency, errors))


def _recommendations(recent: Sequence[ExecutionRecord], recent_success: float, avg_ms: float,
                     efficiency: float, errors: dict[str, int]) -> list[str]:
    advice = []
    if recent and recent_success < 0.9:
        worst = max(errors, key=errors.__getitem__)
        advice.append(f"{1 - recent_success:.0%} of the last {len(recent)} executions failed, "
                      f"most with {worst}: check callers' inputs against the contract's rules")
    if errors.get("gas_exhausted"):
        advice.append("executions ran out of gas: estimate gas first (POST .../estimate-gas) "
                      "and send a limit with headroom")
    if efficiency > TIGHT_GAS:
        advice.append(f"executions use {efficiency:.0%} of their gas limit: raise the limit "
                      "before larger inputs run out of gas")
    elif efficiency < LOW_GAS_EFFICIENCY:
        advice.append(f"executions use only {efficiency:.0%} of their gas limit: a limit near "
                      "1.2x the estimate caps the cost of a runaway call")
    if avg_ms > SLOW_EXECUTION_MS:
        advice.append(f"executions average {avg_ms:.0f} ms: batch calls "
                      "(POST .../execute with several calls) or reduce storage access")
    if errors.get("execution_timeout"):
        advice.append("executions hit the time limit: look for unbounded loops")
    return advice


def _success_rate(stats: ContractStats) -> float:
    return _ratio(stats.executions - stats.failures, stats.executions) if stats.executions else 1.0


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else 0.0
