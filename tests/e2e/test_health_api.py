"""Health through the local stack: the real moto resources (each probed with only the meta
function's own permissions, checked by the local IAM), anvil with the ledger and the anchor
function's reports, and the enclave parent's heartbeat. Anonymous callers learn states only;
an admin learns why and where; anyone may see how the chain and anchoring do."""

from __future__ import annotations

import json
import time

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError

from cms.adapters.dependency_probes import PROBED_QUEUES
from cms.adapters.object_store import BUCKET_SPECS
from cms.adapters.tables import TABLE_SPECS
from cms_client.cli import main as cms
from local_stack.iam import acting_as

pytestmark = pytest.mark.e2e

EVERY_DEPENDENCY = {
    *(f"dynamodb:{spec.key}" for spec in TABLE_SPECS),
    *(f"s3:{spec.key}" for spec in BUCKET_SPECS),
    *(f"sqs:{name}" for name in PROBED_QUEUES),
    "events:bus", "secretsmanager:jwt-signing-key", "ledger:rpc", "ledger:anchoring",
    "enclave:parent"}
ENCLAVE_READY_S = 180  # the enclave app imports torch first (on a loaded 2-core machine)


@pytest.fixture(scope="module")
def settled(stack) -> dict:
    """/health once the background work has reported: the anchor function (every second
    here) and the enclave parent (once its enclave is up)."""
    deadline = time.monotonic() + ENCLAVE_READY_S
    while True:
        report = httpx.get(stack.url + "/health", timeout=30).json()
        if report.get("status") == "ok" or time.monotonic() > deadline:
            return report
        time.sleep(1)


def test_every_dependency_is_up_with_states_only(stack, settled):
    assert settled["status"] == "ok", settled
    assert set(settled["checks"]) == EVERY_DEPENDENCY
    assert all(check == {"status": "ok"} for check in settled["checks"].values())


def test_anonymous_answers_name_no_resource_url_address_or_balance(stack, admin, settled):
    details = admin.client.health_details()
    internals = {check["resource"] for check in details["checks"].values()
                 if check["resource"]}
    internals |= {details["ledger"]["signer_address"], details["ledger"]["signer_balance_wei"],
                  details["ledger"]["ledger_address"], stack.ledger.address}
    for path in ("/health", "/health/chain"):
        response = httpx.get(stack.url + path, timeout=30)
        assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
        assert not [value for value in internals if value in response.text], path


def test_an_admin_sees_what_was_probed_and_the_figures(stack, admin, settled):
    details = admin.client.health_details()
    assert details["status"] == "ok"
    checks = details["checks"]
    contracts = next(f.environment["CMS_CONTRACTS_TABLE"] for f in stack.functions.values()
                     if f.name == "contracts")
    assert checks["dynamodb:contracts"]["resource"] == contracts
    assert checks["sqs:training"]["resource"].startswith("http")
    assert checks["events:bus"]["resource"] == "cms-events"
    assert checks["ledger:rpc"]["resource"].startswith("http://127.0.0.1:")
    assert [name for name, check in checks.items() if not check["critical"]] == [
        "ledger:rpc", "ledger:anchoring", "enclave:parent"]
    ledger = details["ledger"]
    assert (ledger["chain_id"], ledger["ledger_address"]) == (31337, stack.ledger.address)
    assert int(ledger["signer_balance_wei"]) >= int(ledger["min_signer_balance_wei"])
    assert ledger["block_number"] >= 1
    assert details["anchoring"]["skipped"] is None
    assert details["anchoring"]["lag_s"] <= details["anchoring"]["max_lag_s"]
    [parent] = details["enclave_parents"]
    assert (parent["instance"], parent["enclave"], parent["simulated"]) == (
        "local-parent", "ok", True)
    assert parent["pcr0"] == stack.enclave.pcr0


def test_the_details_are_for_admins_only(stack, new_party):
    assert httpx.get(stack.url + "/health/details", timeout=30).status_code == 401
    party = new_party("ed25519")
    response = httpx.get(stack.url + "/health/details", timeout=30,
                         headers={"Authorization": f"Bearer {party.client.token}"})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_anyone_sees_how_the_chain_and_anchoring_do(stack, settled):
    chain = httpx.get(stack.url + "/health/chain", timeout=30).json()
    assert (chain["configured"], chain["chain_id"], chain["anchoring_healthy"]) == (
        True, 31337, True)
    assert chain["latest_block"] >= 1 and chain["anchoring_lag_s"] >= 0


def test_the_cli_shows_health_and_the_chain(stack, admin, settled, capsys, monkeypatch):
    assert cms(["--url", stack.url, "chain-health"]) == 0
    assert json.loads(capsys.readouterr().out)["chain_id"] == 31337
    monkeypatch.setenv("CMS_TOKEN", admin.client.token)
    assert cms(["--url", stack.url, "health", "--details"]) == 0
    assert json.loads(capsys.readouterr().out)["checks"]["events:bus"]["status"] == "ok"


def test_a_function_without_the_probes_permissions_cannot_probe(stack):
    engine = next(f.policy for f in stack.functions.values() if f.name == "engine")
    with acting_as(engine), pytest.raises(ClientError) as denied:
        boto3.client("events").describe_event_bus(Name="cms-events")
    assert "events:DescribeEventBus" in denied.value.response["Error"]["Message"]
