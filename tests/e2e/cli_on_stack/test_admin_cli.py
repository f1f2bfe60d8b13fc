"""An operator at work with ``cms``: the bootstrap admin's key imported from a hex string on
stdin, identities listed, suspended and reactivated, roles granted; privacy budgets, anchoring,
health and an export."""

from __future__ import annotations

import json

import pytest

from tests.template_variables import training_variables

pytestmark = pytest.mark.e2e

PASSPHRASE = {"CMS_KEY_PASSPHRASE": "the operator's passphrase"}


@pytest.fixture
def as_admin(run_cms, admin_signer):
    """The admin's key in this test's key store, registered and logged in."""
    imported = run_cms("key", "import", "--type", "eth", "--chain-id", "31337", "admin", "-",
                       input=admin_signer.private_key + "\n", env=PASSPHRASE, check=True)
    assert json.loads(imported.stdout)["did"] == admin_signer.did
    run_cms("register", env=PASSPHRASE, check=True)
    run_cms("login", env=PASSPHRASE, check=True)
    return admin_signer.did


def test_an_admin_lists_suspends_and_reactivates_a_user(run_cms, as_admin, new_party) -> None:
    user = new_party("ed25519")

    def cms_json(*args: str):
        return json.loads(run_cms(*args, check=True).stdout)

    assert [i["did"] for i in cms_json("identity", "list", "--q", user.did)] == [user.did]
    unconfirmed = run_cms("identity", "suspend", user.did)
    assert unconfirmed.returncode == 1 and "--yes" in unconfirmed.stderr
    assert cms_json("identity", "suspend", "--yes", user.did)["status"] == "suspended"
    suspended = cms_json("identity", "list", "--status", "suspended", "--q", user.did)
    assert [i["did"] for i in suspended] == [user.did]
    assert cms_json("identity", "reactivate", "--yes", user.did)["status"] == "active"
    assert cms_json("identity", "roles", user.did, "--add", "auditor")["roles"] == ["auditor"]
    assert cms_json("identity", "roles", user.did, "--remove", "auditor")["roles"] == []
    # The API keeps an admin from locking themselves out; its problem is shown as it is.
    own = run_cms("identity", "suspend", "--yes", as_admin)
    assert own.returncode == 5 and "themselves" in own.stderr


def test_admin_budgets_anchoring_health_and_export(run_cms, as_admin, new_party,
                                                   tmp_path) -> None:
    provider, consumer = new_party(), new_party()
    variables = training_variables()
    contract = provider.client.create_contract({
        "template_id": "ai_training", "consumer_did": consumer.did, "variables": variables})

    budgets = json.loads(run_cms("admin", "budgets", "--status", "draft", check=True).stdout)
    row = next(b for b in budgets if b["contract_id"] == contract["id"])
    epsilon = float(variables["privacy_budget"]["epsilon"])
    assert float(row["epsilon_total"]) == epsilon == float(row["epsilon_available"])
    assert float(row["epsilon_spent"]) == 0 and row["jobs"] == 0
    # A party sees the contracts it is party to, with its own token.
    own = json.loads(run_cms("admin", "budgets", token=provider.client.token,
                             check=True).stdout)
    assert [b["contract_id"] for b in own] == [contract["id"]]

    anchoring = json.loads(run_cms("admin", "anchoring", "--batches", "5", check=True).stdout)
    assert anchoring["status"]["configured"] is True and len(anchoring["batches"]) <= 5
    assert "checks" in json.loads(run_cms("admin", "health", check=True).stdout)
    assert json.loads(run_cms("admin", "deliveries", "--failed", check=True).stdout) == []

    target = tmp_path / "export"
    first = json.loads(run_cms("admin", "export", str(target), token=provider.client.token,
                               check=True).stdout)
    assert [(r["contract_id"], r["written"]) for r in first] == [
        (contract["id"], ["contract.json", "events.json", "receipt.json"])]
    saved = json.loads((target / contract["id"] / "contract.json").read_text())
    assert saved["id"] == contract["id"]
    again = json.loads(run_cms("admin", "export", str(target), token=provider.client.token,
                               check=True).stdout)
    assert "contract.json" in again[0]["unchanged"]  # resumable: unchanged files stay
