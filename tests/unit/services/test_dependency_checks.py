"""The background dependencies' checks on the in-memory chain and heartbeats: the ledger's
chain and its signer's balance, anchoring (its reports, their age, the lag), the enclave
parents (their heartbeats, their enclaves)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cms.adapters.memory.chain import MemoryChain
from cms.adapters.memory.heartbeats import MemoryHeartbeats
from cms.domain.canonical import iso_utc
from cms.domain.errors import LedgerMisconfigured, LedgerUnavailable
from cms.domain.health import (
    ANCHOR,
    ENCLAVE_PARENT,
    AnchorReport,
    HealthLimits,
    Heartbeat,
    ParentReport,
    Status,
)
from cms.services.dependency_checks import (
    AnchoringProbe,
    ChainProbe,
    EnclaveParentProbe,
    rpc_origin,
)

NOW = datetime(2026, 12, 7, 6, 0, 0, tzinfo=UTC)
SIGNER = "0x" + "5A" * 20
LIMITS = HealthLimits(min_signer_balance_wei=10**17, anchoring_max_lag_s=900,
                      anchor_report_max_age_s=300, enclave_heartbeat_max_age_s=120)


def ago(seconds: float) -> str:
    return iso_utc(NOW - timedelta(seconds=seconds))


def anchor_report(beats: MemoryHeartbeats, *, age_s: float = 30, **fields) -> None:
    beats.beat(AnchorReport(ago(age_s), **{"signer_address": SIGNER, **fields}).heartbeat())


def chain_probe(chain: MemoryChain | Exception, beats: MemoryHeartbeats) -> ChainProbe:
    def connect():
        if isinstance(chain, Exception):
            raise chain
        return chain

    return ChainProbe(connect, lambda: beats, LIMITS)


@pytest.fixture
def beats() -> MemoryHeartbeats:
    return MemoryHeartbeats()


@pytest.fixture
def chain() -> MemoryChain:
    return MemoryChain(31337, "0x" + "Ab" * 20, block=1234)


# ---------------------------------------------------------------- the ledger's chain


def test_a_chain_that_answers_with_a_funded_signer_is_ok(chain, beats):
    anchor_report(beats)
    finding = chain_probe(chain, beats)()
    assert finding.status is Status.OK and finding.reason is None
    facts = finding.facts
    assert (facts.chain_id, facts.block_number, facts.signer_address,
            facts.signer_balance_wei) == (31337, 1234, SIGNER, 10**18)
    assert finding.resource == "memory://chain"


@pytest.mark.parametrize(("balance", "status", "reason"), [
    (10**17, Status.OK, None),
    (10**17 - 1, Status.DEGRADED,
     "the signer's balance (99999999999999999 wei) is below the minimum (100000000000000000 "
     "wei)"),
    (0, Status.DOWN, "the signer has no funds: anchoring transactions cannot be paid"),
])
def test_the_signers_balance_against_the_minimum(chain, beats, balance, status, reason):
    anchor_report(beats)
    chain.balances[SIGNER.lower()] = balance
    finding = chain_probe(chain, beats)()
    assert (finding.status, finding.reason) == (status, reason)


def test_a_signer_nobody_reported_leaves_the_balance_unknown(chain, beats):
    finding = chain_probe(chain, beats)()
    assert finding.status is Status.DEGRADED and "unknown" in finding.reason
    assert finding.facts.block_number == 1234 and finding.facts.signer_balance_wei is None


def test_an_unreadable_anchor_report_leaves_the_balance_unknown(chain, beats):
    beats.beat(Heartbeat(ANCHOR, ANCHOR, "yesterday", {}))
    assert chain_probe(chain, beats)().status is Status.DEGRADED


@pytest.mark.parametrize(("failure", "reason"), [
    (LedgerUnavailable("JSON-RPC call failed: ConnectionError"),
     "ledger_unavailable: JSON-RPC call failed: ConnectionError"),
    (LedgerMisconfigured("no contract code at 0xAb"),
     "ledger_misconfigured: no contract code at 0xAb"),
])
def test_a_chain_that_fails_is_down_with_what_is_known(chain, beats, failure, reason):
    chain.failure = failure
    finding = chain_probe(chain, beats)()
    assert (finding.status, finding.reason) == (Status.DOWN, reason)
    assert finding.facts.chain_id == 31337 and finding.facts.block_number is None


def test_an_endpoint_of_another_chain_is_down(chain, beats):
    chain.serves_chain_id = 1
    finding = chain_probe(chain, beats)()
    assert finding.status is Status.DOWN and "serves chain 1, not 31337" in finding.reason


def test_no_ledger_configured_is_down(beats):
    finding = chain_probe(LedgerMisconfigured("no ledger is configured (CMS_LEDGER_PARAMETER)"),
                          beats)()
    assert finding.status is Status.DOWN and finding.facts.chain_id is None
    assert finding.reason == ("ledger_misconfigured: no ledger is configured "
                              "(CMS_LEDGER_PARAMETER)")


@pytest.mark.parametrize(("url", "origin"), [
    ("https://mainnet.infura.io/v3/0123456789abcdef", "https://mainnet.infura.io"),
    ("https://eth.example:8545/?key=secret#x", "https://eth.example:8545"),
    ("http://user:password@127.0.0.1:8545", "http://127.0.0.1:8545"),
])
def test_the_rpc_endpoint_is_named_by_its_origin_only(url, origin):
    assert rpc_origin(url) == origin


# ---------------------------------------------------------------- anchoring


def anchoring(beats: MemoryHeartbeats):
    return AnchoringProbe(lambda: beats, LIMITS, clock=lambda: NOW)()


def test_anchoring_that_keeps_up_is_ok(beats):
    anchor_report(beats, oldest_unanchored_at=ago(100))
    finding = anchoring(beats)
    assert finding.status is Status.OK
    assert (finding.facts.lag_s, finding.facts.last_run_age_s) == (100.0, 30.0)


def test_anchoring_with_nothing_waiting_has_no_lag(beats):
    anchor_report(beats)
    assert anchoring(beats).facts.lag_s == 0.0


@pytest.mark.parametrize(("report", "status", "reason"), [
    (None, Status.DOWN, "the anchor function has not reported a run"),
    ({"age_s": 301}, Status.DOWN, "the anchor function last reported 301 s ago (limit 300 s)"),
    ({"skipped": "ledger_unavailable"}, Status.DOWN,
     "the last anchoring run was skipped: ledger_unavailable"),
    ({"oldest_unanchored_at": ago(901)}, Status.DEGRADED,
     "the oldest un-anchored event has waited 901 s (limit 900 s)"),
])
def test_anchoring_that_does_not_keep_up(beats, report, status, reason):
    if report is not None:
        anchor_report(beats, **report)
    finding = anchoring(beats)
    assert (finding.status, finding.reason) == (status, reason)


@pytest.mark.parametrize("state", [{"signer_balance_wei": 5}, {"block_number": "7"},
                                   {"oldest_unanchored_at": "soon"}])
def test_an_unreadable_anchor_report_is_down(beats, state):
    beats.beat(Heartbeat(ANCHOR, ANCHOR, ago(1), state))
    finding = anchoring(beats)
    assert finding.status is Status.DOWN and "unreadable" in finding.reason


# ---------------------------------------------------------------- enclave parents


def parents(beats: MemoryHeartbeats):
    return EnclaveParentProbe(lambda: beats, LIMITS, clock=lambda: NOW)()


def parent(beats: MemoryHeartbeats, instance: str, age_s: float, enclave_ok: bool = True):
    beats.beat(ParentReport(instance, ago(age_s), enclave_ok, "ab" * 48, False).heartbeat())


def test_a_parent_that_reports_an_answering_enclave_is_ok(beats):
    parent(beats, "i-1", 10)
    finding = parents(beats)
    assert finding.status is Status.OK
    [facts] = finding.facts
    assert (facts.instance, facts.age_s, facts.enclave, facts.pcr0) == ("i-1", 10.0, "ok",
                                                                        "ab" * 48)


@pytest.mark.parametrize(("reports", "reason"), [
    ([], "no enclave parent has reported: training jobs wait in the queue"),
    ([("i-1", 121, True)],
     "no enclave parent has reported for 120 s (the latest 121 s ago)"),
    ([("i-1", 10, False)], "the enclave parent runs but its enclave does not answer"),
    ([("i-1", 10, False), ("i-2", 500, True)],
     "the enclave parent runs but its enclave does not answer"),
])
def test_parents_that_cannot_train_are_down(beats, reports, reason):
    for instance, age, enclave_ok in reports:
        parent(beats, instance, age, enclave_ok)
    finding = parents(beats)
    assert (finding.status, finding.reason) == (Status.DOWN, reason)


def test_one_working_parent_among_silent_ones_is_enough(beats):
    parent(beats, "i-old", 3600)
    parent(beats, "i-new", 5)
    finding = parents(beats)
    assert finding.status is Status.OK
    assert [p.instance for p in finding.facts] == ["i-new", "i-old"]  # freshest first


def test_a_heartbeat_that_is_not_a_parents_report_proves_nothing(beats):
    beats.beat(Heartbeat(ENCLAVE_PARENT, "i-1", ago(1), {"enclave": "fine"}))
    assert parents(beats).status is Status.DOWN
