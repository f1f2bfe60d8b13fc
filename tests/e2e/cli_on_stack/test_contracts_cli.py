"""``cms contract …`` as a user types it, on the local stack: a contract from a template to a
receipt that ``cms verify-receipt`` checks against the chain."""

from __future__ import annotations

import json

import pytest

from cms_client import CmsClient
from tests.e2e.test_receipts import wait_anchored

pytestmark = pytest.mark.e2e

PASSPHRASE = "correct horse battery staple"
VARIABLES = {"start_date": "2026-01-01", "end_date": "2027-12-31", "jurisdiction": "EU",
             "regulations": ["GDPR"], "audit_frequency": "quarterly",
             "data_residency": ["EU"], "breach_notification_hours": 48,
             "dpo_contact": "dpo@example.com"}


def as_party(run_cms, party, name: str) -> dict:
    """run_cms's keyword arguments for ``party``: its token, and its key imported into the
    CLI's key store (`cms key import`, encrypted) for signing."""
    env = {"CMS_KEY": name, "CMS_KEY_PASSPHRASE": PASSPHRASE}
    imported = run_cms("key", "import", "--type", "eth", "--chain-id", "31337", name, "-",
                       input=party.signer.private_key + "\n", env=env, check=True)
    assert json.loads(imported.stdout)["did"] == party.did
    return {"token": party.client.token, "env": env}


def data(done) -> dict | list:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_template_contract_from_draft_to_a_verified_receipt(run_cms, new_party, stack,
                                                             cli_home, tmp_path) -> None:
    provider, consumer = new_party("eth"), new_party("eth")
    as_provider = as_party(run_cms, provider, "provider")
    as_consumer = as_party(run_cms, consumer, "consumer")
    variables = tmp_path / "variables.json"
    variables.write_text(json.dumps(VARIABLES))

    created = data(run_cms("contract", "create", "--template-id", "compliance",
                           "--vars", str(variables), "--var", "breach_notification_hours=72",
                           "--consumer-did", consumer.did, "--title", "CLI end to end",
                           **as_provider))
    contract_id = created["id"]
    assert created["status"] == "draft"
    assert created["metadata"]["template"]["variables"]["breach_notification_hours"] == 72

    listed = data(run_cms("contract", "list", "--template-id", "compliance", "--status",
                          "draft", "--q", "cli end", "--role", "provider", **as_provider))
    assert [c["id"] for c in listed] == [contract_id]
    assert data(run_cms("contract", "list", "--status", "active", **as_provider)) == []

    updated = data(run_cms("contract", "update", contract_id, "--var",
                           "dpo_contact=legal@example.com", **as_provider))
    assert updated["metadata"]["template"]["variables"]["dpo_contact"] == "legal@example.com"
    assert data(run_cms("contract", "submit", contract_id, **as_provider))["status"] == "review"

    after_one = data(run_cms("contract", "sign", contract_id, **as_provider))
    assert after_one["status"] == "review" and after_one["pending_signers"] == [consumer.did]
    assert data(run_cms("contract", "sign", contract_id, **as_consumer))["status"] == "signed"
    assert data(run_cms("contract", "activate", contract_id, **as_consumer))["status"] == "active"
    report = data(run_cms("contract", "verify", contract_id, **as_provider))
    assert report["valid"] is True

    assert data(run_cms("contract", "complete", contract_id, **as_provider))["status"] == \
        "completed"
    # --follow ends by itself once the contract has reached a final status.
    followed = run_cms("-o", "jsonl", "contract", "events", contract_id, "--follow",
                       timeout=60, **as_provider)
    assert followed.returncode == 0, followed.stderr
    types = [json.loads(line)["type"] for line in followed.stdout.splitlines()]
    assert types[0] == "contract.created" and types[-1] == "contract.completed"
    assert types.count("contract.signed") == 2

    # A completed contract cannot be activated: 409, exit 7, the problem on stderr.
    refused = run_cms("contract", "activate", contract_id, **as_provider)
    assert refused.returncode == 7 and refused.stdout == ""
    assert json.loads(refused.stderr)["code"] == "illegal_transition"

    wait_anchored(provider, contract_id)
    receipt = tmp_path / "receipt.json"
    assert run_cms("contract", "receipt", contract_id, "--out", str(receipt),
                   **as_provider).returncode == 0
    pin = CmsClient(stack.url).ledger()["pin"]
    checked = run_cms("verify-receipt", str(receipt), "--rpc", stack.ledger.rpc_url,
                      "--ledger", pin)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip().splitlines()[-1].startswith("VALID")

    document = tmp_path / "contract.md"
    saved = data(run_cms("contract", "document", contract_id, "--format", "md", "--out",
                         str(document), **as_consumer))
    assert saved["size"] == document.stat().st_size and "legal@example.com" in \
        document.read_text()


def test_attach_waits_until_the_file_is_registered(run_cms, new_party, cli_home,
                                                  tmp_path) -> None:
    provider, consumer = new_party("eth"), new_party("eth")
    # The whole body from stdin; an option given alongside adds to it.
    created = data(run_cms("contract", "create", "--json", "-", "--template-id", "compliance",
                           input=json.dumps({"variables": VARIABLES,
                                             "consumer_did": consumer.did}),
                           token=provider.client.token))
    assert created["metadata"]["template"]["id"] == "compliance"
    annex = tmp_path / "annex.txt"
    annex.write_text("the annex\n")
    attached = data(run_cms("contract", "attach", created["id"], str(annex),
                            token=provider.client.token))
    assert attached["registered"] is True and attached["name"] == "annex.txt"
    assert attached["media_type"] == "text/plain" and attached["size"] == annex.stat().st_size
