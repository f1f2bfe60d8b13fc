"""The contract engine through the local API Gateway, authorizer and DynamoDB: what only the
stack shows. The signed-in identity is the contract caller; answers and failures are what
the document declares; GETs are conditional; bodies are I-JSON.

The engine's rules are tested on the service in memory (tests/unit/services/test_engine.py),
the routes in process (tests/unit/test_engine_http.py), the DynamoDB store against the
in-memory one (tests/contract/test_engine_storage.py)."""

from __future__ import annotations

import pytest

from cms.domain.engine.callers import caller_address
from tests.e2e.test_contracts_api import expect_error

pytestmark = pytest.mark.e2e

SUPPLY = 10**24  # past 2**53: amounts travel as decimal strings
ENGINE = "/api/v1/engine"


@pytest.fixture
def token(new_party):
    owner, holder = new_party("eth"), new_party("ed25519")
    response = owner.client._request("POST", ENGINE + "/contracts", {
        "kind": "erc20", "name": "Data credits", "init_args": {
            "name": "Data credits", "symbol": "DCR", "decimals": 18,
            "initial_supply": str(SUPPLY)}})
    assert response.status_code == 201
    contract = response.json()
    assert response.headers["Location"] == f"{ENGINE}/contracts/{contract['address']}"
    return owner, holder, contract


def balance(party, address: str, of: str) -> int:
    return int(party.client.execute(address, "balanceOf", {"account": of})["return_value"])


def test_the_signed_in_identities_deploy_and_call(token):
    owner, holder, contract = token
    owner_address, to = caller_address(owner.did), caller_address(holder.did)
    assert contract["owner"] == owner_address and contract["owner_did"] == owner.did

    result = owner.client.execute(contract["address"], "transfer", {"to": to, "value": "250"})
    assert result["success"] is True and result["events"][0]["args"] == {
        "from": owner_address, "to": to, "value": "250"}
    batch = holder.client.execute_batch(contract["address"], [
        {"function": "transfer", "args": {"to": owner_address, "value": "50"}},
        {"function": "transfer", "args": {"to": owner_address, "value": "500"}}])
    assert (batch["succeeded"], batch["failed"]) == (1, 1)
    assert balance(holder, contract["address"], to) == 200
    estimate = owner.client.estimate_gas(contract["address"], "transfer",
                                         {"to": to, "value": "1"})
    assert estimate["suggested_gas_limit"] > estimate["gas"] > 21_000
    # The constructor, three transfers, a read and the estimate: a dry run counts too.
    assert owner.client.engine_contract(contract["address"])["executions"] == 6


def test_history_pages_through_the_query_string_and_gets_are_conditional(token):
    owner, holder, contract = token
    address, to = contract["address"], caller_address(holder.did)
    for value in ("1", "2", "3"):
        owner.client.execute(address, "transfer", {"to": to, "value": value})
    page = owner.client.engine_history(address, limit=2)
    rest = owner.client.engine_history(address, limit=50, cursor=page["next_cursor"])
    assert [r["function"] for r in page["items"] + rest["items"]] == [
        "transfer"] * 3 + ["constructor"] and rest["next_cursor"] is None
    expect_error(lambda: owner.client.engine_history(address, cursor="not-a-position"),
                 400, "validation_error")

    for path in (f"/contracts/{address}", f"/contracts/{address}/health", "/info"):
        first = owner.client._request("GET", ENGINE + path)
        again = owner.client._request("GET", ENGINE + path, expect_error=True,
                                      headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, path
    metrics = owner.client.engine_metrics()
    assert metrics["total_executions"] >= 4 and metrics["cache"]["scope"] == "instance"


def test_failures_are_the_problems_the_document_declares(token, new_party):
    owner, holder, contract = token
    address, holder_address = contract["address"], caller_address(holder.did)
    problem = expect_error(lambda: holder.client.execute(
        address, "transfer", {"to": caller_address(owner.did), "value": "1"}),
        422, "contract_reverted")
    assert problem["error"] == "ERC20InsufficientBalance"
    assert problem["arguments"] == [holder_address, "0", "1"]
    assert problem["execution_id"] and problem["gas_used"] > 0
    problem = expect_error(lambda: owner.client.execute(
        address, "transfer", {"to": holder_address, "value": "7"}, gas_limit=21_001),
        422, "gas_exhausted")
    assert problem["gas_used"] == 21_001

    expect_error(lambda: owner.client.engine_contract("0x" + "ab" * 20), 404,
                 "contract_not_found")
    expect_error(lambda: owner.client.execute("not-an-address", "name"), 400,
                 "validation_error")
    expect_error(lambda: owner.client.execute(address, "selfdestruct"), 400,
                 "engine_validation_error")
    expect_error(lambda: owner.client.execute(address, "name", gas_limit=0), 400,
                 "validation_error")
    salted = {"name": "Salted", "symbol": "SLT"}
    owner.client.deploy_engine_contract("erc20", init_args=salted, salt="0x" + "07" * 32)
    expect_error(lambda: owner.client.deploy_engine_contract(
        "erc20", init_args=salted, salt="0x" + "07" * 32), 409, "contract_exists")


def test_costly_arithmetic_is_priced_and_estimates_are_the_callers_dry_runs(new_party):
    from cms.domain.engine.gas import modexp_gas
    from cms.domain.engine.paillier import generate_keypair

    client = new_party("eth").client
    expect_error(lambda: client.deploy_engine_contract(  # 8192 bits: no call could pay
        "sealed_bid_tally", init_args={"public_key": {"n": "f" * 2048}}),
        400, "validation_error")
    key, private = generate_keypair(2048)
    address = client.deploy_engine_contract(
        "sealed_bid_tally", init_args={"public_key": key.to_json()})["address"]
    bid = key.encrypt(7)
    client.execute(address, "submitBid", {"bid": bid.to_json()})
    total, randomness = private.open(bid)
    opening = {"total": str(total), "randomness": format(randomness, "x")}
    problem = expect_error(lambda: client.execute(address, "reveal", opening), 422,
                           "gas_exhausted")  # the default 3M: the re-encryption is 2.8M
    assert problem["gas_required"] >= modexp_gas(key.n, 4096)
    estimate = client.estimate_gas(address, "reveal", opening)
    assert estimate["gas"] > modexp_gas(key.n, 4096)
    revealed = client.execute(address, "reveal", opening,
                              gas_limit=estimate["suggested_gas_limit"])
    assert revealed["return_value"] == 7 and revealed["gas_used"] == estimate["gas"]
    latest = client.engine_history(address, limit=3)["items"]
    assert [item["dry_run"] for item in latest] == [False, True, False]
    assert latest[1]["gas_used"] == estimate["gas"] and latest[1]["return_value"] is None


def test_bodies_are_i_json_so_wide_amounts_are_decimal_strings(new_party):
    client = new_party("eth").client
    problem = expect_error(lambda: client.deploy_engine_contract(
        "erc20", init_args={"name": "Wide", "symbol": "W", "initial_supply": 10**30}),
        400, "validation_error")
    assert "decimal string" in problem["detail"]
    wide = client.deploy_engine_contract(
        "erc20", init_args={"name": "Wide", "symbol": "W", "initial_supply": str(10**30)})
    assert client.execute(wide["address"], "totalSupply")["return_value"] == str(10**30)


def test_a_webassembly_module_runs_in_the_function(new_party):
    import json
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "contracts" / "wasm"
    owner, holder = new_party("eth"), new_party("ed25519")
    token = owner.client.deploy_engine_contract(
        "wasm", name="WASM token", code=(folder / "token.wat").read_text(),
        manifest=json.loads((folder / "token.manifest.json").read_text()),
        init_args={"supply": 500})
    to = caller_address(holder.did)
    sent = owner.client.execute(token["address"], "transfer", {"to": to, "amount": 120})
    assert sent["return_value"] is True and sent["events"][0]["event"] == "Transfer"
    assert holder.client.execute(token["address"], "balanceOf",
                                 {"account": to})["return_value"] == "120"


def test_each_identity_lists_its_own_deployments_through_the_gateway(new_party):
    owner, other = new_party("eth"), new_party("ed25519")
    made = [owner.client.deploy_engine_contract("erc20", name=f"Token {n}", init_args={
        "name": f"Token {n}", "symbol": "T"})["address"] for n in range(3)]
    first = owner.client.engine_contracts(limit=2)
    second = owner.client.engine_contracts(limit=2, cursor=first["next_cursor"])
    listed = [c["address"] for c in first["items"] + second["items"]]
    assert sorted(listed) == sorted(made) and second["next_cursor"] is None
    assert all(c["owner_did"] == owner.did for c in first["items"])
    assert other.client.engine_contracts()["items"] == []
    # Any value of the cursor's shape is a position; another shape is the query's 400.
    assert owner.client.engine_contracts(
        cursor="1970-01-01T00:00:00Z_0x" + "0" * 40)["items"] == []
    expect_error(lambda: owner.client.engine_contracts(cursor="nope"), 400, "validation_error")
