"""Dependency health as the platform judges it: each dependency's status (ok, degraded, down)
and why, the components' heartbeats, and the limits the judgments use.

Pure: probes (cms.adapters.dependency_probes, cms.services.dependency_checks) observe; the
functions here decide what an observation means, so every threshold is tested without AWS,
a chain or a clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from cms.domain.canonical import parse_iso

ANCHOR = "anchor"  # heartbeat components: the partition each writer may put items into
ENCLAVE_PARENT = "enclave-parent"
MAX_REASON = 300  # characters of an error's text kept as a reason


class Status(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"  # works, but impaired (a low balance, events waiting too long)
    DOWN = "down"  # cannot be used


@dataclass(frozen=True)
class HealthLimits:
    """The thresholds of the judgments (Settings: CMS_LEDGER_MIN_SIGNER_BALANCE_WEI, …)."""

    min_signer_balance_wei: int = 10**17
    anchoring_max_lag_s: float = 900.0
    anchor_report_max_age_s: float = 300.0
    enclave_heartbeat_max_age_s: float = 120.0


# ---------------------------------------------------------------- observations


@dataclass(frozen=True)
class LedgerFacts:
    """What the chain said (None: not known, because the probe did not get that far)."""

    chain_id: int | None = None
    ledger_address: str | None = None
    block_number: int | None = None
    signer_address: str | None = None
    signer_balance_wei: int | None = None
    min_signer_balance_wei: int = 0


@dataclass(frozen=True)
class AnchoringFacts:
    last_run_at: str | None = None
    last_run_age_s: float | None = None
    skipped: str | None = None  # the last run's reason for not anchoring (a problem code)
    oldest_unanchored_at: str | None = None
    lag_s: float | None = None  # the oldest waiting event's age; 0 when none waits
    max_lag_s: float = 0.0


@dataclass(frozen=True)
class ParentFacts:
    instance: str
    reported_at: str
    age_s: float
    enclave: str  # "ok" or "unreachable"
    pcr0: str | None = None
    simulated: bool | None = None


@dataclass(frozen=True)
class Finding:
    """What one probe found. ``reason`` and ``resource`` are for operators only; ``facts``
    the observation a judgment was made from."""

    status: Status
    reason: str | None = None
    resource: str | None = None
    facts: LedgerFacts | AnchoringFacts | tuple[ParentFacts, ...] | None = None


def ok(resource: str | None = None) -> Finding:
    return Finding(Status.OK, resource=resource)


def reason_of(error: Exception) -> str:
    """For operators: what failed, as the error says it (never shown to anonymous callers)."""
    code = getattr(error, "code", None)
    detail = getattr(error, "detail", None)
    text = (f"{code}: {detail}" if isinstance(code, str) and isinstance(detail, str)
            else f"{type(error).__name__}: {error}".rstrip(": "))
    return text if len(text) <= MAX_REASON else text[:MAX_REASON - 1] + "…"


# ---------------------------------------------------------------- heartbeats


@dataclass(frozen=True)
class Heartbeat:
    """A background component's report that it runs: written by the component into its own
    partition (``component``), one item per instance, read by the health check."""

    component: str
    instance: str
    at: str
    state: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AnchorReport:
    """The anchor function's report after each run."""

    at: str
    skipped: str | None = None
    oldest_unanchored_at: str | None = None
    signer_address: str | None = None
    signer_balance_wei: int | None = None
    block_number: int | None = None

    def heartbeat(self) -> Heartbeat:
        # The balance as text: wei exceed what a JSON number (and a DynamoDB map) holds exactly.
        balance = None if self.signer_balance_wei is None else str(self.signer_balance_wei)
        return Heartbeat(ANCHOR, ANCHOR, self.at, {
            "skipped": self.skipped, "oldest_unanchored_at": self.oldest_unanchored_at,
            "signer_address": self.signer_address, "signer_balance_wei": balance,
            "block_number": self.block_number})

    @classmethod
    def from_heartbeat(cls, beat: Heartbeat) -> AnchorReport:
        """ValueError if the stored state is not a report (written outside the platform)."""
        state = beat.state
        balance = _optional(state, "signer_balance_wei", str)
        return cls(at=_iso(beat.at), skipped=_optional(state, "skipped", str),
                   oldest_unanchored_at=_optional_iso(state, "oldest_unanchored_at"),
                   signer_address=_optional(state, "signer_address", str),
                   signer_balance_wei=None if balance is None else _whole(balance),
                   block_number=_optional(state, "block_number", int))

    def lag_s(self, now: datetime) -> float:
        if self.oldest_unanchored_at is None:
            return 0.0
        return max((now - parse_iso(self.oldest_unanchored_at)).total_seconds(), 0.0)


@dataclass(frozen=True)
class ParentReport:
    """The enclave parent's heartbeat: it runs, and whether its enclave answered."""

    instance: str
    at: str
    enclave_ok: bool
    pcr0: str | None = None
    simulated: bool | None = None

    def heartbeat(self) -> Heartbeat:
        return Heartbeat(ENCLAVE_PARENT, self.instance, self.at, {
            "enclave": "ok" if self.enclave_ok else "unreachable", "pcr0": self.pcr0,
            "simulated": self.simulated})

    @classmethod
    def from_heartbeat(cls, beat: Heartbeat) -> ParentReport:
        enclave = beat.state.get("enclave")
        if enclave not in ("ok", "unreachable"):
            raise ValueError(f"enclave state {enclave!r}")
        return cls(beat.instance, _iso(beat.at), enclave == "ok",
                   _optional(beat.state, "pcr0", str), _optional(beat.state, "simulated", bool))


def _optional(state: Mapping[str, Any], name: str, kind: type) -> Any:
    value = state.get(name)
    if value is not None and (not isinstance(value, kind)
                              or (kind is int and isinstance(value, bool))):
        raise ValueError(f"{name} is not a {kind.__name__}")
    return value


def _optional_iso(state: Mapping[str, Any], name: str) -> str | None:
    value = _optional(state, name, str)
    return None if value is None else _iso(value)


def _iso(value: str) -> str:
    parse_iso(value)  # ValueError if it is no timestamp
    return value


def _whole(text: str) -> int:
    if not text.isdigit() or len(text) > 78:  # a uint256 has at most 78 digits
        raise ValueError("not a balance")
    return int(text)


# ---------------------------------------------------------------- judgments


def judge_ledger(facts: LedgerFacts) -> Finding:
    """The chain answered (the caller reports it down otherwise): a signer whose balance is
    unknown or below the minimum is degraded; one with nothing left cannot anchor."""
    balance = facts.signer_balance_wei
    if balance is None:
        return Finding(Status.DEGRADED, "the signer's balance is unknown: the anchor function "
                                        "has not reported its signer", facts=facts)
    if balance == 0:
        return Finding(Status.DOWN, "the signer has no funds: anchoring transactions cannot be "
                                    "paid", facts=facts)
    if balance < facts.min_signer_balance_wei:
        return Finding(Status.DEGRADED, f"the signer's balance ({balance} wei) is below the "
                                        f"minimum ({facts.min_signer_balance_wei} wei)",
                       facts=facts)
    return Finding(Status.OK, facts=facts)


def judge_anchoring(report: AnchorReport | None, now: datetime,
                    limits: HealthLimits) -> Finding:
    """The anchor function reports after every run (each minute)."""
    if report is None:
        return Finding(Status.DOWN, "the anchor function has not reported a run",
                       facts=AnchoringFacts(max_lag_s=limits.anchoring_max_lag_s))
    age = round(max((now - parse_iso(report.at)).total_seconds(), 0.0), 1)
    lag = round(report.lag_s(now), 1)
    facts = AnchoringFacts(report.at, age, report.skipped, report.oldest_unanchored_at, lag,
                           limits.anchoring_max_lag_s)
    if age > limits.anchor_report_max_age_s:
        return Finding(Status.DOWN, f"the anchor function last reported {age:g} s ago (limit "
                                    f"{limits.anchor_report_max_age_s:g} s)", facts=facts)
    if report.skipped is not None:
        return Finding(Status.DOWN, f"the last anchoring run was skipped: {report.skipped}",
                       facts=facts)
    if lag > limits.anchoring_max_lag_s:
        return Finding(Status.DEGRADED, f"the oldest un-anchored event has waited {lag:g} s "
                                        f"(limit {limits.anchoring_max_lag_s:g} s)",
                       facts=facts)
    return Finding(Status.OK, facts=facts)


def judge_parents(reports: list[ParentReport], now: datetime,
                  limits: HealthLimits) -> Finding:
    """Training runs while at least one parent reports, recently, an enclave that answers."""
    facts = tuple(sorted((_parent_facts(report, now) for report in reports),
                         key=lambda parent: parent.age_s))
    fresh = [p for p in facts if p.age_s <= limits.enclave_heartbeat_max_age_s]
    if not facts:
        return Finding(Status.DOWN, "no enclave parent has reported: training jobs wait in "
                                    "the queue", facts=facts)
    if not fresh:
        return Finding(Status.DOWN, f"no enclave parent has reported for "
                                    f"{limits.enclave_heartbeat_max_age_s:g} s (the latest "
                                    f"{facts[0].age_s:g} s ago)", facts=facts)
    if not any(p.enclave == "ok" for p in fresh):
        return Finding(Status.DOWN, "the enclave parent runs but its enclave does not answer",
                       facts=facts)
    return Finding(Status.OK, facts=facts)


def _parent_facts(report: ParentReport, now: datetime) -> ParentFacts:
    age = round(max((now - parse_iso(report.at)).total_seconds(), 0.0), 1)
    return ParentFacts(report.instance, report.at, age,
                       "ok" if report.enclave_ok else "unreachable", report.pcr0,
                       report.simulated)
