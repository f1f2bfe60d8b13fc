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
    response = httpx.get(stack.url + "/api/v1/ledger/batches")
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"


def test_recent_batches_show_each_anchoring_lag(stack, new_party):
    provider, _, events = anchored_contract(stack, new_party)
    listed = provider.client.ledger_batches(limit=50)["batches"]
    assert listed and [b["first_seq"] for b in listed] == sorted(
        (b["first_seq"] for b in listed), reverse=True)
    # The batch that anchored this contract's last event, with its lag and times.
    last = events[-1]["anchor"]
    mine = next(b for b in listed if b["root"] == last["root"])
    assert mine["tx_hash"] == last["tx_hash"] and mine["block_number"] == last["block_number"]
    assert mine["lag_s"] is not None and mine["lag_s"] >= 0
    assert mine["prepared_at"] <= mine["confirmed_at"] and mine["oldest_event_at"]
    assert len(provider.client.ledger_batches(limit=1)["batches"]) == 1
    refused = provider.client._request("GET", "/api/v1/ledger/batches", None,
                                       params={"limit": 51}, expect_error=True)
    assert refused.status_code == 400


def anchored_contract(stack, new_party):
    provider, consumer = new_party("eth"), new_party("ed25519")
    contract = signed_contract(provider, consumer)
    deadline = time.monotonic() + 30
    while True:
        events = provider.client._call("GET", f"/api/v1/contracts/{contract['id']}/events")[
            "events"]
        if all(e["anchor"]["state"] == "anchored" for e in events):
            return provider, contract, events
        assert time.monotonic() < deadline, "events were not anchored"
        time.sleep(0.5)


def test_events_show_their_batch_transaction_and_proof(stack, new_party):
    _, _, events = anchored_contract(stack, new_party)
    for event in events:
        anchor = event["anchor"]
        assert anchor["tx_hash"].startswith("0x") and anchor["block_number"] > 0
        assert anchor["proof"]["algorithm"] == "rfc6962-sha256" and len(anchor["root"]) == 64


def test_verify_proves_every_event_against_the_root_on_chain(stack, new_party):
    provider, contract, _ = anchored_contract(stack, new_party)
    report = provider.client.verify(contract["id"])
    checks = {c["name"]: c for c in report["checks"]}
    assert report["valid"] and checks["anchoring"]["ok"]
    assert "4 of 4 events proven" in checks["anchoring"]["detail"]


def test_a_forged_proof_or_root_in_the_database_is_caught(stack, new_party):
    import boto3

    provider, contract, events = anchored_contract(stack, new_party)
    stream = f"contract:{contract['id']}"
    proof = dict(events[1]["anchor"]["proof"])
    proof["path"] = ["00" * 32 for _ in proof["path"]] or ["00" * 32]
    record = AuditEventRecord.get(stream, 1)
    record.update(actions=[AuditEventRecord.anchor_proof.set(proof)])
    failing = {c["name"] for c in provider.client.verify(contract["id"])["checks"]
               if not c["ok"]}
    assert failing == {"anchoring", "anchor:event[1]"}
    boto3.client("dynamodb").update_item(
        TableName="cms-anchor-batches", Key={"first_seq": {"N": str(events[2]["anchor"]["batch"])}},
        UpdateExpression="SET #r = :r", ExpressionAttributeNames={"#r": "root"},
        ExpressionAttributeValues={":r": {"S": "ab" * 32}})
    report = provider.client.verify(contract["id"])
    details = {c["name"]: c["detail"] for c in report["checks"] if not c["ok"]}
    assert "not anchored on chain" in details["anchor:event[2]"]


def test_the_status_slot_on_chain_backs_the_stored_status(stack, new_party):
    import boto3

    provider, contract, _ = anchored_contract(stack, new_party)  # signed: significant
    deadline = time.monotonic() + 30
    while True:
        checks = {c["name"]: c for c in provider.client.verify(contract["id"])["checks"]}
        if "current head" in checks["status_slot"]["detail"]:
            break
        assert time.monotonic() < deadline, checks["status_slot"]
        time.sleep(0.5)
    assert checks["status_slot"]["ok"] and "'signed'" in checks["status_slot"]["detail"]
    boto3.client("dynamodb").update_item(
        TableName="cms-contracts", Key={"contract_id": {"S": contract["id"]}},
        UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "terminated"}})
    failing = {c["name"]: c["detail"] for c in provider.client.verify(contract["id"])["checks"]
               if not c["ok"]}
    assert "snapshot.status" in failing
    assert "the chain says 'signed'" in failing["status_slot"]
