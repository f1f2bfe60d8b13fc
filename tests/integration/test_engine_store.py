"""The engine's DynamoDB storage (the stack's moto server): two engine instances (two Lambda
containers) executing on one contract never lose an update, a failed call writes nothing,
history pages across batch items, and the engine-wide counters add up."""

from __future__ import annotations

import threading

import pytest

from cms.adapters.engine_store import DynamoContractStorage
from cms.domain.engine.storage import ContractExists, history_key
from cms.domain.engine.unified import (
    Deployment,
    EngineConfig,
    Execution,
    UnifiedContractEngine,
)

OWNER, ALICE, BOB = ("0x" + c * 40 for c in "def")


def new_engine() -> UnifiedContractEngine:
    return UnifiedContractEngine(DynamoContractStorage(), EngineConfig(conflict_retries=200))


@pytest.fixture
def token(stack) -> str:
    return new_engine().deploy_contract(Deployment(
        "erc20", OWNER, "Token", {"name": "Token", "symbol": "TOK",
                                  "initial_supply": 10**30})).address


def balance(engine: UnifiedContractEngine, token: str, account: str) -> int:
    result = engine.execute_contract(Execution(token, "balanceOf", OWNER, {"account": account}))
    return int(result.return_value)


def test_two_containers_racing_on_one_contract_lose_nothing(token):
    engines = [new_engine(), new_engine()]
    failures: list[object] = []

    def send(engine: UnifiedContractEngine) -> None:
        for _ in range(15):
            result = engine.execute_contract(
                Execution(token, "transfer", OWNER, {"to": ALICE, "value": 1}))
            if not result.success:
                failures.append(result.error)

    threads = [threading.Thread(target=send, args=(engine,)) for engine in engines * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    # Each container's state cache is right for the version it read.
    assert [balance(engine, token, ALICE) for engine in engines] == [60, 60]
    stats = engines[0].storage.contract_stats(token)
    assert stats.executions == 1 + 60 + 2 and stats.failures == 0


def test_a_failed_call_writes_nothing_and_history_pages_through_batches(token):
    engine = new_engine()
    failed = engine.execute_contract(Execution(token, "transfer", BOB, {"to": ALICE,
                                                                         "value": 5}))
    assert failed.error["error"] == "ERC20InsufficientBalance"
    assert engine.storage.get_contract_state(token, "balance:" + ALICE[2:]) is None
    engine.execute_batch([Execution(token, "transfer", OWNER, {"to": BOB, "value": v})
                          for v in (1, 2, 3)])
    seen, before = [], None
    while True:
        page = engine.storage.get_execution_history(token, 2, before)
        if not page:
            break
        seen += page
        before = history_key(page[-1])
    assert [r.function for r in seen] == ["transfer"] * 4 + ["constructor"]
    assert [r.success for r in seen[:4]] == [True, True, True, False]
    assert balance(engine, token, BOB) == 6


def test_deploying_to_a_taken_address_is_refused_whole(stack):
    engine = new_engine()
    salted = Deployment("erc20", OWNER, "T", {"name": "T", "symbol": "T"}, salt=b"\x05" * 32)
    address = engine.deploy_contract(salted).address
    with pytest.raises(ContractExists):
        new_engine().deploy_contract(salted)
    assert len(engine.storage.get_execution_history(address)) == 1
    metrics = engine.performance_metrics()
    assert metrics.contracts >= 1 and metrics.total_executions >= 1


def test_records_too_large_for_one_item_keep_a_digest_of_what_was_returned(stack):
    engine = new_engine()
    big = engine.deploy_contract(Deployment("wasm", OWNER, "big", None, (
        '(module (import "cms" "return_data" (func $r (param i32 i32)))'
        ' (memory (export "memory") 2)'
        ' (func (export "big") (call $r (i32.const 0) (i32.const 61440))))'))).address
    results = engine.execute_batch([Execution(big, "big", OWNER, None, b"")] * 8)
    assert all(r.success for r in results) and len(results[0].return_value) == 2 + 2 * 61440
    history = engine.storage.get_execution_history(big, 8)
    assert len(history) == 8
    omitted = [r.return_value for r in history if isinstance(r.return_value, dict)]
    assert omitted and all(set(value) == {"omitted_bytes", "sha256"} for value in omitted)
