"""The anchor function's report after each run: its heartbeat (what the health check reads)
and the figures the lag and low-balance alarms' metrics carry."""

from __future__ import annotations

from datetime import UTC, datetime

from cms.adapters.memory.heartbeats import MemoryHeartbeats
from cms.bootstrap import MemoryServices
from cms.domain.audit import AuditEvent
from cms.domain.errors import DependencyUnavailable, LedgerUnavailable
from cms.domain.health import ANCHOR, AnchorReport
from cms.services.anchor_reports import AnchorReports
from cms.services.dependency_checks import latest_anchor_report

NOW = datetime(2026, 12, 7, 6, 0, 10, tzinfo=UTC)
SIGNER = "0x" + "cD" * 20


class Signer:
    address = SIGNER


class Chain:
    signer = Signer()

    def balance(self) -> int:
        return 10**30  # beyond a JSON number: stored as text

    def block_number(self) -> int:
        return 1234


def unreachable() -> Chain:
    raise LedgerUnavailable("JSON-RPC call failed: ConnectionError")


def reports(services: MemoryServices, ledger=Chain) -> AnchorReports:
    return AnchorReports(services.anchoring_progress, ledger, services.heartbeats,
                         clock=lambda: NOW)


def queue_event(services: MemoryServices, at: str) -> None:
    event = AuditEvent("contract:1", 0, "e1", "contract.created", "system:test", at, {},
                       "0" * 64, "1" * 64)
    with services.database.lock:
        services.database.append([event])


def test_a_run_reports_its_signer_balance_block_and_the_oldest_waiting_event():
    services = MemoryServices()
    queue_event(services, "2026-12-07T06:00:00.000Z")
    report = reports(services).report()
    assert report == AnchorReport("2026-12-07T06:00:10.000Z", None, "2026-12-07T06:00:00.000Z",
                                  SIGNER, 10**30, 1234)
    assert report.lag_s(NOW) == 10.0
    assert latest_anchor_report(services.heartbeats) == report  # what /health reads back


def test_a_skipped_run_is_reported_without_what_the_chain_did_not_say():
    services = MemoryServices()
    report = reports(services, unreachable).report("ledger_unavailable")
    assert (report.skipped, report.signer_address, report.signer_balance_wei,
            report.block_number, report.oldest_unanchored_at) == (
        "ledger_unavailable", None, None, None, None)
    assert latest_anchor_report(services.heartbeats).skipped == "ledger_unavailable"


def test_a_heartbeat_that_cannot_be_written_does_not_stop_the_report():
    class Broken(MemoryHeartbeats):
        def beat(self, heartbeat):
            raise DependencyUnavailable("the database is unreachable")

    services = MemoryServices()
    report = AnchorReports(services.anchoring_progress, Chain, Broken(),
                           clock=lambda: NOW).report()
    assert report.signer_balance_wei == 10**30


def test_each_run_replaces_the_last_report():
    services = MemoryServices()
    reports(services, unreachable).report("ledger_unavailable")
    reports(services).report()
    [beat] = services.heartbeats.latest(ANCHOR)
    assert beat.state["skipped"] is None and beat.state["signer_balance_wei"] == str(10**30)
