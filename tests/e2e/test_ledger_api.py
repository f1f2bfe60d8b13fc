"""The scheduled anchor function anchors events by itself; the ledger status route shows it."""

from __future__ import annotations

import time

import pytest

from cms.adapters.tables import AuditEventRecord
from tests.e2e.test_contracts_api import signed_contract

pytestmark = pytest.mark.e2e


def test_the_schedule_anchors_events_and_status_reports_it(stack, new_party):
    provider, consumer = new_party("eth"), new_party("ed25519")
    contract = signed_contract(provider, consumer)
    keys = [(f"contract:{contract['id']}", e["seq"]) for e in provider.client.events(
        contract["id"])]
    deadline = time.monotonic() + 30
    while any(AuditEventRecord.get(*key, consistent_read=True).anchor_proof is None
              for key in keys):
        assert time.monotonic() < deadline, "the anchor schedule did not anchor the events"
        time.sleep(0.5)
    status = provider.client._call("GET", "/api/v1/ledger/status")
    assert status["configured"] and status["reachable"] and status["chain_id"] == 31337
    assert status["ledger_address"] == stack.ledger.address
    assert int(status["signer_balance_wei"]) > 0 and status["next_seq"] > 0
    assert status["last_batch"]["tx_hash"].startswith("0x")
    # The last final batch ends before the chain's next free sequence number.
    assert status["last_batch"]["last_seq"] < status["next_seq"]
    assert status["unanchored"]["count"] >= 0 and "age_s" in status["unanchored"]


def test_ledger_status_needs_a_token(stack):
    import httpx

    response = httpx.get(stack.url + "/api/v1/ledger/status")
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"
