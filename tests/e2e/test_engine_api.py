"""The unified contract engine through the HTTP API on the local stack (DynamoDB on moto):
deploy, execute as the signed-in identity, failures as problems, batches, history, health."""

from __future__ import annotations

import pytest

from cms.domain.engine.callers import caller_address
from tests.e2e.test_contracts_api import expect_error

pytestmark = pytest.mark.e2e

SUPPLY = 10**24  # past 2**53: amounts travel as decimal strings


@pytest.fixture
def token(new_party):
    owner, holder = new_party("eth"), new_party("ed25519")
    contract = owner.client.deploy_engine_contract(
        "erc20", name="Data credits",
        init_args={"name": "Data credits", "symbol": "DCR", "decimals": 18,
                   "initial_supply": str(SUPPLY)})
    return owner, holder, contract


def balance(party, address: str, of: str) -> int:
    return int(party.client.execute(address, "balanceOf", {"account": of})["return_value"])


def test_the_deployer_owns_the_token_and_the_caller_is_the_identity(token):
    owner, holder, contract = token
    owner_address = caller_address(owner.did)
    assert contract["owner"] == owner_address and contract["owner_did"] == owner.did
    assert contract["kind"] == "erc20" and "transfer" in contract["manifest"]["functions"]
    assert owner.client.engine_contract(contract["address"])["executions"] == 1  # constructor

    to = caller_address(holder.did)
    result = owner.client.execute(contract["address"], "transfer", {"to": to, "value": "250"})
    assert result["success"] is True and result["return_value"] is True
    assert result["gas_used"] > 21_000
    [event] = result["events"]
    assert event["event"] == "Transfer"
    assert event["args"] == {"from": owner_address, "to": to, "value": "250"}
    assert balance(holder, contract["address"], to) == 250
    assert balance(holder, contract["address"], owner_address) == SUPPLY - 250


def test_a_revert_is_a_problem_with_the_solidity_error_and_changes_nothing(token):
    owner, holder, contract = token
    address, holder_address = contract["address"], caller_address(holder.did)
    problem = expect_error(lambda: holder.client.execute(
        address, "transfer", {"to": caller_address(owner.did), "value": "1"}),
        422, "contract_reverted")
    assert problem["error"] == "ERC20InsufficientBalance"
    assert problem["arguments"] == [holder_address, "0", "1"]
    assert problem["execution_id"] and problem["gas_used"] > 0
    # Only the owner mints (Ownable), with OpenZeppelin's error.
    problem = expect_error(lambda: holder.client.execute(
        address, "mint", {"to": holder_address, "value": "5"}), 422, "contract_reverted")
    assert problem["error"] == "OwnableUnauthorizedAccount"
    assert balance(owner, address, holder_address) == 0


def test_out_of_gas_spends_the_limit_and_writes_nothing(token):
    owner, holder, contract = token
    to = caller_address(holder.did)
    estimate = owner.client.estimate_gas(contract["address"], "transfer", {"to": to, "value": "7"})
    assert estimate["gas"] > 21_000 and estimate["suggested_gas_limit"] > estimate["gas"]
    assert balance(owner, contract["address"], to) == 0  # the estimate ran dry

    problem = expect_error(lambda: owner.client.execute(
        contract["address"], "transfer", {"to": to, "value": "7"},
        gas_limit=estimate["gas"] - 1), 422, "gas_exhausted")
    assert problem["gas_used"] == estimate["gas"] - 1
    assert balance(owner, contract["address"], to) == 0
    owner.client.execute(contract["address"], "transfer", {"to": to, "value": "7"},
                         gas_limit=estimate["gas"])
    assert balance(owner, contract["address"], to) == 7


def test_a_batch_applies_each_call_on_its_own(token):
    owner, holder, contract = token
    to = caller_address(holder.did)
    outcome = owner.client.execute_batch(contract["address"], [
        {"function": "transfer", "args": {"to": to, "value": "10"}},
        {"function": "transferFrom", "args": {"from": to, "to": to, "value": "1"}},
        {"function": "transfer", "args": {"to": to, "value": "5"}},
    ])
    assert [r["success"] for r in outcome["results"]] == [True, False, True]
    assert outcome["results"][1]["error"]["error"] == "ERC20InsufficientAllowance"
    assert (outcome["succeeded"], outcome["failed"]) == (2, 1)
    assert balance(owner, contract["address"], to) == 15


def test_read_only_results_are_cached_until_the_state_moves(token):
    owner, holder, contract = token
    address, to = contract["address"], caller_address(holder.did)
    first = owner.client.execute(address, "totalSupply")
    again = owner.client.execute(address, "totalSupply")
    assert (first["cached"], again["cached"]) == (False, True)
    assert again["return_value"] == str(SUPPLY)
    owner.client.execute(address, "burn", {"value": "1"})
    after = owner.client.execute(address, "totalSupply")
    assert after["cached"] is False and after["return_value"] == str(SUPPLY - 1)
    del to


def test_history_pages_newest_first_and_health_reports(token):
    owner, holder, contract = token
    address, to = contract["address"], caller_address(holder.did)
    for value in ("1", "2", "3"):
        owner.client.execute(address, "transfer", {"to": to, "value": value})
    expect_error(lambda: holder.client.execute(
        address, "transfer", {"to": to, "value": "999"}), 422, "contract_reverted")

    page = owner.client.engine_history(address, limit=2)
    assert [r["function"] for r in page["items"]] == ["transfer", "transfer"]
    assert page["items"][0]["success"] is False and page["next_cursor"]
    rest = owner.client.engine_history(address, limit=50, cursor=page["next_cursor"])
    functions = [r["function"] for r in page["items"] + rest["items"]]
    assert functions == ["transfer"] * 4 + ["constructor"] and rest["next_cursor"] is None
    assert [r["args"]["value"] for r in (e for item in page["items"] + rest["items"][:2]
                                         for e in item["events"])] == ["3", "2", "1"]

    health = owner.client.engine_health(address)
    assert health["total_executions"] == 5 and health["recent_errors"] == {
        "contract_reverted": 1}
    assert 0 < health["health_score"] <= 1 and health["status"] in {"healthy", "warning"}
    assert any("gas limit" in advice for advice in health["recommendations"])


def test_engine_info_and_metrics(token):
    owner, _, _ = token
    info = owner.client.engine_info()
    assert {"erc20", "confidential_ledger", "sealed_bid_tally"} <= set(info["contract_kinds"])
    metrics = owner.client.engine_metrics()
    assert metrics["total_executions"] >= 1 and metrics["contracts"] >= 1
    assert metrics["active_contracts"] >= 1 and 0 <= metrics["success_rate"] <= 1
    assert metrics["cache"]["scope"] == "instance"


def test_bad_requests_are_clear_errors(token, new_party):
    owner, _, contract = token
    address, client = contract["address"], owner.client
    expect_error(lambda: client.engine_contract("0x" + "ab" * 20), 404, "contract_not_found")
    expect_error(lambda: client.execute("not-an-address", "name"), 404, "contract_not_found")
    expect_error(lambda: client.execute(address, "selfdestruct"), 400,
                 "engine_validation_error")
    problem = expect_error(lambda: client.execute(
        address, "transfer", {"to": "0x12", "value": "1"}), 400, "engine_validation_error")
    assert problem["errors"][0]["pointer"] == "/args/to"
    expect_error(lambda: client.execute(address, "transfer", {"to": address, "value": -1}),
                 400, "engine_validation_error")
    for limit in (0, 10**12):
        expect_error(lambda limit=limit: client.execute(address, "name", gas_limit=limit),
                     400, "engine_validation_error")
    expect_error(lambda: client.deploy_engine_contract("solidity", init_args={}), 400,
                 "engine_validation_error")
    expect_error(lambda: client.deploy_engine_contract("erc20", init_args={"name": "x"}), 400,
                 "engine_validation_error")
    expect_error(lambda: client._call("POST", f"/api/v1/engine/contracts/{address}/execute",
                                      {"function": "name", "unknown": 1}),
                 400, "validation_error")
    # Bodies are I-JSON: an integer past 2**53 (which JavaScript would round) is refused as a
    # number and taken, exactly, as a decimal string.
    problem = expect_error(lambda: client.deploy_engine_contract(
        "erc20", init_args={"name": "Wide", "symbol": "W", "initial_supply": 10**30}),
        400, "validation_error")
    assert "decimal string" in problem["detail"]
    wide = client.deploy_engine_contract(
        "erc20", init_args={"name": "Wide", "symbol": "W", "initial_supply": str(10**30)})
    assert client.execute(wide["address"], "totalSupply")["return_value"] == str(10**30)
    salt = "0x" + "07" * 32
    args = {"name": "Salted", "symbol": "SLT"}
    first = client.deploy_engine_contract("erc20", init_args=args, salt=salt)
    expect_error(lambda: client.deploy_engine_contract("erc20", init_args=args, salt=salt),
                 409, "contract_exists")
    other = new_party("eth").client.deploy_engine_contract("erc20", init_args=args, salt=salt)
    assert other["address"] != first["address"]  # CREATE2: the deployer is in the address


def wasm_source(name: str) -> tuple[str, dict]:
    import json
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "contracts" / "wasm"
    return ((folder / f"{name}.wat").read_text(),
            json.loads((folder / f"{name}.manifest.json").read_text()))


def test_a_webassembly_token_runs_through_the_api(new_party):
    owner, holder = new_party("eth"), new_party("ed25519")
    code, manifest = wasm_source("token")
    token = owner.client.deploy_engine_contract("wasm", name="WASM token", code=code,
                                                manifest=manifest, init_args={"supply": 500})
    assert token["kind"] == "wasm" and token["code_hash"].startswith("0x")
    address, to = token["address"], caller_address(holder.did)
    sent = owner.client.execute(address, "transfer", {"to": to, "amount": 120})
    assert sent["return_value"] is True and sent["events"][0]["event"] == "Transfer"
    problem = expect_error(lambda: holder.client.execute(
        address, "transfer", {"to": caller_address(owner.did), "amount": 121}),
        422, "contract_reverted")
    assert problem["error"] == "Error"  # the module's abort message, as Error(string)
    batch = owner.client.execute_batch(address, [
        {"function": "transferBatch", "args": {"to": [to, to], "amount": [1, 2]}},
        {"function": "balanceOf", "args": {"account": to}}])
    assert [r["return_value"] for r in batch["results"]] == [True, "123"]


def test_bad_modules_and_runaway_calls_are_clear_errors(new_party):
    client = new_party("eth").client
    for code, encoding in (("(module", "wat"), ("AGFzbQEAAAAB", "base64"),
                           ('(module (import "env" "now" (func)) (memory (export "memory") 1))',
                            "wat")):
        problem = expect_error(lambda code=code, encoding=encoding: client._call(
            "POST", "/api/v1/engine/contracts",
            {"kind": "wasm", "code": code, "code_encoding": encoding}),
            400, "engine_validation_error")
        assert problem["errors"][0]["pointer"] == "/module"
    spin = client.deploy_engine_contract("wasm", code=(
        '(module (memory (export "memory") 1) (func (export "spin") (loop $l (br $l)))'
        ' (func (export "grow") (loop $l (br_if $l (i32.ne (memory.grow (i32.const 1))'
        ' (i32.const -1)))) unreachable))'))
    problem = expect_error(lambda: client.execute(spin["address"], "spin",
                                                  gas_limit=30_000_000), 422, None)
    assert problem["code"] in {"execution_timeout", "gas_exhausted"}
    assert problem["gas_used"] == 30_000_000
    bomb = expect_error(lambda: client.execute(spin["address"], "grow"), 422,
                        "contract_reverted")
    assert bomb["error"] == "Trap"  # memory.grow refused at the limit, then the trap
    assert client.engine_info()["name"]  # the engine still answers
