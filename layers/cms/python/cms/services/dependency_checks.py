"""The background dependencies' probes: the ledger's chain (with the signer's balance), the
anchoring it carries, and the enclave parents. Each observes through ports and leaves the
judgment to cms.domain.health, so every case is tested on the in-memory adapters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from urllib.parse import urlsplit

from cms.domain.canonical import utc_now
from cms.domain.errors import DomainError
from cms.domain.health import (
    ANCHOR,
    ENCLAVE_PARENT,
    AnchorReport,
    Finding,
    HealthLimits,
    LedgerFacts,
    ParentReport,
    Status,
    judge_anchoring,
    judge_ledger,
    judge_parents,
)
from cms.ports.heartbeats import Heartbeats
from cms.ports.ledger import ChainReads

Clock = Callable[[], datetime]


def latest_anchor_report(heartbeats: Heartbeats) -> AnchorReport | None:
    """The anchor function's last report; ValueError if what is stored is not one."""
    beats = heartbeats.latest(ANCHOR, limit=1)
    return AnchorReport.from_heartbeat(beats[0]) if beats else None


def rpc_origin(url: str) -> str:
    """Scheme, host and port of an RPC URL: providers put API keys in the path or query."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")


class ChainProbe:
    """Is the ledger's chain usable from here: the configured chain, the contract at its
    address, the latest block, and the balance of the signer the anchor function reported."""

    def __init__(self, chain: Callable[[], ChainReads], heartbeats: Callable[[], Heartbeats],
                 limits: HealthLimits) -> None:
        self._chain = chain  # built per probe: the configuration may be what is wrong
        self._heartbeats = heartbeats  # reached per probe: it may be what is missing
        self._limits = limits

    def __call__(self) -> Finding:
        facts = LedgerFacts(min_signer_balance_wei=self._limits.min_signer_balance_wei)
        resource = None
        try:
            client = self._chain()
            url = getattr(client.config, "rpc_url", None)
            resource = rpc_origin(url) if url else None
            facts = replace(facts, chain_id=client.config.chain_id,
                            ledger_address=client.config.address)
            client.check()
            facts = replace(facts, block_number=client.block_number())
            signer = self._reported_signer()
            if signer is not None:
                facts = replace(facts, signer_address=signer,
                                signer_balance_wei=client.balance_of(signer))
        except DomainError as error:
            return Finding(Status.DOWN, f"{error.code}: {error.detail}", resource, facts)
        return replace(judge_ledger(facts), resource=resource)

    def _reported_signer(self) -> str | None:
        try:
            report = latest_anchor_report(self._heartbeats())
        except (ValueError, DomainError):  # the anchoring check says why; the balance is
            return None                      # unknown
        return report.signer_address if report else None


class AnchoringProbe:
    """Does anchoring keep up: the anchor function's last report, its age and the lag."""

    def __init__(self, heartbeats: Callable[[], Heartbeats], limits: HealthLimits,
                 clock: Clock = utc_now) -> None:
        self._heartbeats = heartbeats
        self._limits = limits
        self._clock = clock

    def __call__(self) -> Finding:
        try:
            report = latest_anchor_report(self._heartbeats())
        except ValueError as error:
            return Finding(Status.DOWN, f"the anchor function's report is unreadable: {error}")
        return judge_anchoring(report, self._clock(), self._limits)


class EnclaveParentProbe:
    """Do the enclave parents run, with an enclave that answers: their heartbeats."""

    def __init__(self, heartbeats: Callable[[], Heartbeats], limits: HealthLimits,
                 clock: Clock = utc_now) -> None:
        self._heartbeats = heartbeats
        self._limits = limits
        self._clock = clock

    def __call__(self) -> Finding:
        reports = []
        for beat in self._heartbeats().latest(ENCLAVE_PARENT):
            try:
                reports.append(ParentReport.from_heartbeat(beat))
            except ValueError:
                continue  # not a parent's report: it proves nothing runs
        return judge_parents(reports, self._clock(), self._limits)
