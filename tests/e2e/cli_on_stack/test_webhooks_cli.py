"""``cms webhook`` and ``cms ledger`` as a user types them, on the local stack."""

from __future__ import annotations

import json
import time

import pytest

pytestmark = pytest.mark.e2e


def test_a_webhook_is_created_disabled_rotated_and_deleted(new_party, run_cms, webhook_tls):
    party = new_party("ed25519")
    as_party = {"token": party.client.token}
    url = f"https://localhost:9/hooks/{time.time_ns()}"  # never called: no contract events
    created = run_cms("webhook", "create", url, "--event-type", "contract.signed",
                      check=True, **as_party)
    hook = json.loads(created.stdout)
    assert hook["secret"] and hook["event_types"] == ["contract.signed"]
    assert hook["secret"] not in created.stderr and "not shown again" in created.stderr

    listed = json.loads(run_cms("webhook", "list", check=True, **as_party).stdout)
    assert [item["id"] for item in listed] == [hook["id"]]
    assert "secret" not in listed[0]

    disabled = json.loads(run_cms("webhook", "disable", hook["id"], check=True,
                                  **as_party).stdout)
    assert disabled["status"] == "disabled"
    enabled = json.loads(run_cms("webhook", "enable", hook["id"], check=True,
                                 **as_party).stdout)
    assert enabled["status"] == "active"
    rotated = json.loads(run_cms("webhook", "rotate-secret", hook["id"], check=True,
                                 **as_party).stdout)
    assert rotated["secret"] not in (None, hook["secret"])
    assert json.loads(run_cms("webhook", "deliveries", hook["id"], check=True,
                              **as_party).stdout) == []

    unconfirmed = run_cms("webhook", "delete", hook["id"], **as_party)
    assert unconfirmed.returncode == 1 and "--yes" in unconfirmed.stderr
    run_cms("webhook", "delete", hook["id"], "--yes", check=True, **as_party)
    assert json.loads(run_cms("webhook", "list", check=True, **as_party).stdout) == []
    gone = run_cms("webhook", "disable", hook["id"], **as_party)
    assert gone.returncode == 6 and "webhook_not_found" in gone.stderr


def test_the_ledger_status_info_and_batches(new_party, run_cms):
    party = new_party("eth")
    info = json.loads(run_cms("ledger", "info", check=True).stdout)  # public
    assert info["pin"] == f"{info['chain_id']}:{info['address']}"
    status = json.loads(run_cms("ledger", "status", check=True,
                                token=party.client.token).stdout)
    assert status["configured"] is True and status["ledger_address"] == info["address"]
    batches = json.loads(run_cms("ledger", "batches", "--limit", "5", check=True,
                                 token=party.client.token).stdout)
    assert isinstance(batches, list) and len(batches) <= 5
    refused = run_cms("ledger", "status")
    assert refused.returncode == 4 and "not signed in" in refused.stderr
