"""``cms engine``: arguments become the request the API documents; a call the contract
refuses exits 7 with its reason; a batch with failures exits 11."""

from __future__ import annotations

import json

import pytest

from cms_client.generated import models
from tests.unit.cli.platform_answers import (
    ADDRESS,
    engine_contract,
    execution,
    execution_record,
    history_cursor,
    page,
)
from tests.unit.cli.platform_api import ScriptedApi, api, cms

__all__ = ["api"]
ENGINE = "/api/v1/engine/contracts"


def test_a_deployment_sends_large_integers_as_text_and_other_values_as_json(api: ScriptedApi,
                                                                         capsys) -> None:
    api.answers[("POST", ENGINE)] = (201, engine_contract())
    assert cms("engine", "deploy", "erc20", "--name", "Credits", "--init", "symbol=CRD",
               "--init", "decimals=18", "--init", f"initial_supply={10**24}") == 0
    assert api.bodies("POST", ENGINE) == [{
        "kind": "erc20", "name": "Credits",
        "init_args": {"symbol": "CRD", "decimals": 18, "initial_supply": str(10**24)}}]
    assert ADDRESS in capsys.readouterr().out


@pytest.mark.parametrize(("suffix", "content", "sent"), [
    (".wat", b"(module)", {"code": "(module)", "code_encoding": "wat"}),
    (".wasm", b"\x00asm\x01\x00\x00\x00", {"code": "0061736d01000000", "code_encoding": "hex"}),
])
def test_a_module_is_sent_as_text_or_binary_by_its_suffix(api: ScriptedApi, tmp_path, suffix,
                                                          content, sent) -> None:
    api.answers[("POST", ENGINE)] = (201, engine_contract(kind="wasm"))
    module = tmp_path / f"token{suffix}"
    module.write_bytes(content)
    assert cms("engine", "deploy", "wasm", "--code", str(module)) == 0
    assert api.bodies("POST", ENGINE)[0] == {"kind": "wasm", **sent}


def test_a_module_of_another_kind_and_arguments_given_twice_are_refused_locally(
        api: ScriptedApi, tmp_path, capsys) -> None:
    module = tmp_path / "token.txt"
    module.write_text("(module)")
    assert cms("engine", "deploy", "wasm", "--code", str(module)) == 1
    args = tmp_path / "args.json"
    args.write_text('{"to": "0x00"}')
    assert cms("engine", "call", ADDRESS, "transfer", "--arg", "value=1", "--args",
               str(args)) == 1
    assert api.requests == [] and "not both" in capsys.readouterr().err


@pytest.mark.parametrize("code", ["contract_reverted", "gas_exhausted", "execution_timeout"])
def test_a_call_the_contract_refuses_exits_7_with_the_reason_in_words(api: ScriptedApi,
                                                                      capsys, code) -> None:
    api.answers[("POST", f"{ENGINE}/{ADDRESS}/execute")] = (422, {
        "code": code, "detail": "reverted: ERC20InsufficientBalance(0x01, 0, 5)",
        "error": "ERC20InsufficientBalance", "gas_used": 24000, "gas_limit": 3000000})
    assert cms("engine", "call", ADDRESS, "transfer", "--arg", "to=0x01",
               "--arg", "value=5") == 7
    out, err = capsys.readouterr()
    assert out == ""
    assert (f"{code}: reverted: ERC20InsufficientBalance(0x01, 0, 5) (gas_used 24000, "
            "gas_limit 3000000)") in " ".join(err.split())  # rich wraps long lines
    assert api.bodies("POST", f"{ENGINE}/{ADDRESS}/execute") == [
        {"function": "transfer", "args": {"to": "0x01", "value": 5}}]


def test_a_malformed_call_keeps_the_validation_exit(api: ScriptedApi) -> None:
    api.answers[("POST", f"{ENGINE}/{ADDRESS}/execute")] = (400, {
        "code": "engine_validation_error", "detail": "unknown function"})
    assert cms("engine", "call", ADDRESS, "nope") == 8


def test_a_batch_with_a_failed_call_exits_11(api: ScriptedApi, tmp_path, capsys) -> None:
    api.answers[("POST", f"{ENGINE}/{ADDRESS}/execute-batch")] = (200, {
        "results": [execution("a"), execution("b", success=False)], "succeeded": 1,
        "failed": 1})
    calls = tmp_path / "calls.json"
    calls.write_text('{"calls": [{"function": "a"}, {"function": "b"}]}')
    assert cms("engine", "batch", ADDRESS, str(calls)) == 11
    out, err = capsys.readouterr()
    assert [r["success"] for r in json.loads(out)] == [True, False]
    assert "1 of 2 calls failed" in err
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    assert cms("engine", "batch", ADDRESS, str(empty)) == 1


def history(ids: list[str], next_cursor: str | None) -> tuple[int, dict]:
    return 200, page(models.ExecutionHistory, [execution_record(i) for i in ids], next_cursor,
                     address=ADDRESS)


def test_history_follows_the_cursor_and_stops_at_the_limit(api: ScriptedApi, capsys) -> None:
    path = f"{ENGINE}/{ADDRESS}/history"
    api.answers[("GET", path)] = [history(["3", "2"], history_cursor(1)), history(["1"], None)]
    assert cms("engine", "history", ADDRESS) == 0
    assert [r["execution_id"] for r in json.loads(capsys.readouterr().out)] == ["3", "2", "1"]
    assert [r.url.params.get("cursor") for r in api.sent("GET", path)] == [None,
                                                                          history_cursor(1)]
    api.requests.clear()
    api.answers[("GET", path)] = [history(["9", "8"], history_cursor(2))]
    assert cms("engine", "history", ADDRESS, "--limit", "1") == 0
    assert [r["execution_id"] for r in json.loads(capsys.readouterr().out)] == ["9"]
    assert len(api.sent("GET", path)) == 1
    assert api.sent("GET", path)[0].url.params["limit"] == "1"


def test_list_follows_the_cursor(api: ScriptedApi, capsys) -> None:
    second = "0x" + "cd" * 20
    api.answers[("GET", ENGINE)] = [
        (200, page(models.EngineContractPage, [engine_contract()],
                   f"2026-12-07T06:00:00.000Z_{ADDRESS}")),
        (200, page(models.EngineContractPage, [engine_contract(address=second)], None))]
    assert cms("engine", "list") == 0
    assert [c["address"] for c in json.loads(capsys.readouterr().out)] == [ADDRESS, second]
    assert [r.url.params["limit"] for r in api.sent("GET", ENGINE)] == ["100", "100"]


def test_a_table_shows_the_chosen_columns(api: ScriptedApi, capsys) -> None:
    from cms_client.cli import main

    api.answers[("POST", f"{ENGINE}/{ADDRESS}/execute")] = (200, execution())
    assert main(["-o", "table", "engine", "call", ADDRESS, "balanceOf", "--arg",
                 "account=0x01"]) == 0
    out = capsys.readouterr().out
    assert "return value" in out and "250" in out and "sequence" not in out
