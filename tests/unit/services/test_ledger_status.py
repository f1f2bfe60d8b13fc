"""The ledger status on the in-memory anchoring state, with a stand-in chain: what it reports
when all is well, and what it still reports when the chain or its configuration is not."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest

from cms.bootstrap import MemoryServices
from cms.domain.anchoring import FINAL, PendingEvent, prepare
from cms.domain.audit import AuditEvent
from cms.domain.errors import LedgerMisconfigured, LedgerUnavailable
from cms.services.ledger_status import PENDING_COUNT_LIMIT, LedgerStatusService

NOW = datetime(2026, 12, 7, 6, 0, 10, tzinfo=UTC)
ADDRESS, SIGNER = "0x" + "Ab" * 20, "0x" + "cD" * 20


@dataclass
class Config:
    chain_id: int = 31337
    address: str = ADDRESS
    confirmations: int = 2


@dataclass
class Signer:
    address: str = SIGNER


class Chain:
    """What the status asks of a ledger client; ``failure`` is raised by the check."""

    def __init__(self, failure: Exception | None = None) -> None:
        self.config, self.signer, self.failure = Config(), Signer(), failure

    def check(self) -> None:
        if self.failure is not None:
            raise self.failure

    def balance(self) -> int:
        return 10**30  # beyond what a JSON number carries exactly

    def next_seq(self) -> int:
        return 42

    def block_number(self) -> int:
        return 1234


@pytest.fixture
def services() -> MemoryServices:
    return MemoryServices()


def status_of(services: MemoryServices, ledger, clock=lambda: NOW):
    return LedgerStatusService(services.anchoring_progress, ledger, clock).status()


def queue_events(services: MemoryServices, *moments: str) -> list[AuditEvent]:
    events = [AuditEvent(f"contract:{n}", 0, f"e{n}", "contract.created", "system:test", at,
                         {}, "0" * 64, f"{n:064x}") for n, at in enumerate(moments)]
    with services.database.lock:
        services.database.append(events)
    return events


def test_a_healthy_ledger_reports_everything(services):
    events = queue_events(services, "2026-12-07T06:00:00.000Z", "2026-12-07T06:00:05.000Z")
    batch = prepare(40, [PendingEvent(e.stream, e.seq, e.hash) for e in events])
    services.database.anchor_batches[40] = replace(batch, state=FINAL,
                                                   tx_hash="0x" + "ef" * 32, block_number=99)
    report = status_of(services, Chain)
    assert (report.configured, report.reachable, report.problem) == (True, True, None)
    assert (report.chain_id, report.ledger_address, report.signer_address) == (
        31337, ADDRESS, SIGNER)
    assert (report.confirmations_required, report.signer_balance_wei, report.next_seq,
            report.block_number) == (2, 10**30, 42, 1234)
    assert (report.unanchored.count, report.unanchored.count_capped,
            report.unanchored.oldest_at, report.unanchored.age_s) == (
        2, False, "2026-12-07T06:00:00.000Z", 10.0)
    assert (report.last_batch.first_seq, report.last_batch.last_seq, report.last_batch.count,
            report.last_batch.tx_hash, report.last_batch.block_number) == (
        40, 41, 2, "0x" + "ef" * 32, 99)


def test_nothing_queued_and_nothing_anchored(services):
    report = status_of(services, Chain)
    assert (report.unanchored.count, report.unanchored.oldest_at, report.unanchored.age_s,
            report.last_batch) == (0, None, 0.0, None)


def test_the_count_stops_at_its_limit(services, monkeypatch):
    monkeypatch.setattr("cms.services.ledger_status.PENDING_COUNT_LIMIT", 3)
    queue_events(services, *["2026-12-07T06:00:00.000Z"] * 5)
    report = status_of(services, Chain)
    assert (report.unanchored.count, report.unanchored.count_capped) == (3, True)
    assert PENDING_COUNT_LIMIT == 1000


def test_a_writer_clock_ahead_of_ours_is_no_negative_age(services):
    queue_events(services, "2026-12-07T06:00:30.000Z")
    assert status_of(services, Chain).unanchored.age_s == 0.0


def test_no_ledger_configured_is_reported_not_raised(services):
    def missing():
        raise LedgerMisconfigured("no ledger is configured (CMS_LEDGER_PARAMETER)")

    queue_events(services, "2026-12-07T06:00:00.000Z")
    report = status_of(services, missing)
    assert (report.configured, report.reachable, report.chain_id) == (False, False, None)
    assert report.problem.code == "ledger_misconfigured"
    assert report.unanchored.count == 1  # what can be known still is


@pytest.mark.parametrize(("failure", "code"), [
    (LedgerMisconfigured("the RPC endpoint serves chain 1, not 31337"), "ledger_misconfigured"),
    (LedgerUnavailable("the chain is unreachable"), "ledger_unavailable"),
])
def test_a_chain_that_fails_its_check_is_configured_but_unreachable(services, failure, code):
    report = status_of(services, lambda: Chain(failure))
    assert (report.configured, report.reachable, report.chain_id) == (True, False, 31337)
    assert (report.problem.code, report.next_seq, report.signer_balance_wei) == (code, None,
                                                                                 None)


def test_the_services_wire_the_status_to_the_anchoring_state(services):
    queue_events(services, "2026-12-07T06:00:00.000Z")
    report = services.ledger_status.status()  # no ledger configured in memory
    assert report.unanchored.count == 1 and report.problem.code == "ledger_misconfigured"


def test_recent_batches_carry_their_lag_from_the_oldest_event(services):
    events = queue_events(services, "2026-12-07T06:00:00.000Z", "2026-12-07T06:00:05.000Z")
    batch = prepare(40, [PendingEvent(e.stream, e.seq, e.hash) for e in events])
    services.database.anchor_batches[40] = replace(batch, state=FINAL)
    services.database.anchor_batch_times[40] = ("2026-12-07T06:00:06.000Z",
                                                "2026-12-07T06:00:09.250Z")
    [timing] = services.ledger_status.recent_batches(20)
    assert (timing.batch.first_seq, timing.batch.count, timing.oldest_event_at,
            timing.lag_s) == (40, 2, "2026-12-07T06:00:00.000Z", 9.2)
    assert (timing.prepared_at, timing.confirmed_at) == ("2026-12-07T06:00:06.000Z",
                                                         "2026-12-07T06:00:09.250Z")
    assert timing.batch == services.ledger_status.status().last_batch  # one shape, composed
    assert timing.flat()["first_seq"] == 40 and timing.flat()["lag_s"] == 9.2


def test_a_batch_whose_oldest_event_is_unreadable_has_no_lag(services):
    batch = prepare(7, [PendingEvent("contract:gone", 0, "f" * 64)])
    services.database.anchor_batches[7] = replace(batch, state=FINAL)
    services.database.anchor_batch_times[7] = ("2026-12-07T06:00:06.000Z",) * 2
    [timing] = services.ledger_status.recent_batches(20)
    assert (timing.oldest_event_at, timing.lag_s) == (None, None)


def test_the_status_names_the_balance_below_which_health_degrades(services):
    assert services.ledger_status.status().min_signer_balance_wei == \
        services.settings.ledger_min_signer_balance_wei == 10**17
