"""``cms engine`` as a user types it, on the local stack: an ERC20 deployed, a transfer, an
estimate, a batch, the history, and a revert's exit code and reason."""

from __future__ import annotations

import json

import pytest

from cms.domain.engine.callers import caller_address

pytestmark = pytest.mark.e2e

SUPPLY = 10**24  # past 2**53: the CLI sends it as a decimal string


def test_an_erc20_is_deployed_called_estimated_and_its_revert_exits_7(new_party, run_cms,
                                                                      tmp_path):
    owner, holder = new_party("eth"), new_party("ed25519")
    as_owner = {"token": owner.client.token}
    deployed = json.loads(run_cms(
        "engine", "deploy", "erc20", "--name", "CLI credits", "--init", "name=CLI credits",
        "--init", "symbol=CLI", "--init", "decimals=18", "--init", f"initial_supply={SUPPLY}",
        check=True, **as_owner).stdout)
    address, to = deployed["address"], caller_address(holder.did)
    assert deployed["kind"] == "erc20" and deployed["owner_did"] == owner.did

    called = json.loads(run_cms("engine", "call", address, "transfer", "--arg", f"to={to}",
                                "--arg", "value=250", check=True, **as_owner).stdout)
    assert called["success"] is True and called["events"][0]["args"]["value"] == "250"

    estimate = json.loads(run_cms("engine", "estimate", address, "transfer", "--arg",
                                  f"to={to}", "--arg", "value=1", check=True,
                                  **as_owner).stdout)
    assert estimate["suggested_gas_limit"] > estimate["gas"] > 21_000

    reverted = run_cms("engine", "call", address, "transfer", "--arg",
                       f"to={caller_address(owner.did)}", "--arg", "value=1000",
                       token=holder.client.token)
    assert reverted.returncode == 7, reverted.stderr
    assert "ERC20InsufficientBalance" in reverted.stderr and reverted.stdout == ""

    calls = tmp_path / "calls.json"
    calls.write_text(json.dumps([
        {"function": "transfer", "args": {"to": caller_address(owner.did), "value": "50"}},
        {"function": "transfer", "args": {"to": caller_address(owner.did), "value": "500"}}]))
    batch = run_cms("engine", "batch", address, str(calls), token=holder.client.token)
    assert batch.returncode == 11, batch.stderr
    assert [r["success"] for r in json.loads(batch.stdout)] == [True, False]

    latest = json.loads(run_cms("engine", "history", address, "--limit", "2", check=True,
                                **as_owner).stdout)
    everything = json.loads(run_cms("engine", "history", address, check=True,
                                    **as_owner).stdout)
    assert latest == everything[:2] and len(everything) > 2
    assert everything[-1]["function"] == "constructor"
    assert any(record["dry_run"] for record in everything)  # the estimate

    contract = json.loads(run_cms("engine", "get", address, check=True, **as_owner).stdout)
    assert contract["address"] == address
    listed = json.loads(run_cms("engine", "list", check=True, **as_owner).stdout)
    assert [item["address"] for item in listed] == [address]  # a new owner's only one
    health = json.loads(run_cms("engine", "health", address, check=True, **as_owner).stdout)
    assert health["contract_address"].lower() == address.lower()
    info = json.loads(run_cms("engine", "info", check=True, **as_owner).stdout)
    assert "erc20" in json.dumps(info)
    metrics = json.loads(run_cms("engine", "metrics", check=True, **as_owner).stdout)
    assert metrics["total_executions"] >= 5

    missing = run_cms("engine", "get", "0x" + "ab" * 20, **as_owner)
    assert missing.returncode == 6 and "contract_not_found" in missing.stderr
