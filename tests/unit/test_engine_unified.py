"""The unified engine over in-memory storage: atomicity, concurrency, cache, analytics, limits."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cms.adapters.memory.engine import MemoryContractStorage
from cms.domain.engine.callers import caller_address
from cms.domain.engine.errors import (
    ContractExists,
    ContractNotFound,
    ContractReverted,
    EngineValidationError,
)
from cms.domain.engine.kinds import Erc20Kind, Invocation
from cms.domain.engine.storage import StateConflict
from cms.domain.engine.unified import (
    ContractBusy,
    Deployment,
    EngineConfig,
    Execution,
    UnifiedContractEngine,
    create2_address,
)
from tests.unit.engine_timing import ManualTimer, Slowed

OWNER, ALICE, BOB = ("0x" + c * 40 for c in "abc")


def deploy_token(engine: UnifiedContractEngine, supply: int = 1_000_000) -> str:
    return engine.deploy_contract(Deployment(
        "erc20", OWNER, "Token", {"name": "Token", "symbol": "TOK",
                                  "initial_supply": supply})).address


def call(engine, address, function, caller=OWNER, gas_limit=None, **args):
    return engine.execute_contract(Execution(address, function, caller, args or None,
                                             gas_limit=gas_limit))


@pytest.fixture
def engine() -> UnifiedContractEngine:
    return UnifiedContractEngine(MemoryContractStorage())


def test_create2_addresses_match_eip_1014():
    # EIP-1014's first example: deployer 0x0, salt 0, init code 0x00.
    assert create2_address("0x" + "00" * 20, bytes(32), b"\x00") == \
        "0x4D1A2e2bB4F88F0250f26Ffff098B0b30B26BF38"


def test_ethereum_dids_keep_their_address_and_others_get_a_stable_one():
    address = "0x" + "ab" * 20
    assert caller_address(f"did:pkh:eip155:1:{address}") == caller_address(f"did:ethr:{address}")
    assert caller_address(f"did:ethr:sepolia:{address}").lower() == address
    key_did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    assert caller_address(key_did) == caller_address(key_did) != caller_address(key_did + "x")


def test_a_failed_call_is_recorded_but_writes_nothing(engine):
    token = deploy_token(engine)
    before = engine.storage.snapshot(token).version
    result = call(engine, token, "transfer", ALICE, to=BOB, value=1)
    assert not result.success and result.error["error"] == "ERC20InsufficientBalance"
    assert engine.storage.snapshot(token).version == before
    [record] = engine.storage.get_execution_history(token, 1)
    assert record.execution_id == result.execution_id and not record.success


def test_out_of_gas_bills_the_whole_limit_like_the_evm(engine):
    token = deploy_token(engine)
    result = call(engine, token, "transfer", gas_limit=25_000, to=ALICE, value=1)
    assert result.error["code"] == "gas_exhausted" and result.gas_used == 25_000
    assert call(engine, token, "balanceOf", account=ALICE).return_value == "0"


def test_estimates_change_nothing_and_match_the_execution(engine):
    token = deploy_token(engine)
    version = engine.storage.snapshot(token).version
    estimate = engine.estimate_gas(Execution(token, "transfer", OWNER, {"to": ALICE,
                                                                        "value": 5}))
    assert engine.storage.snapshot(token).version == version
    assert call(engine, token, "balanceOf", account=ALICE).return_value == "0"
    assert call(engine, token, "transfer", to=ALICE, value=5).gas_used == estimate
    with pytest.raises(ContractReverted):
        engine.estimate_gas(Execution(token, "transfer", BOB, {"to": ALICE, "value": 5}))


def test_an_estimate_is_counted_against_its_caller_like_an_execution(engine):
    token = deploy_token(engine)
    before = engine.storage.contract_stats(token)
    estimate = engine.estimate_gas(Execution(token, "transfer", OWNER, {"to": ALICE,
                                                                        "value": 5}))
    with pytest.raises(ContractReverted):
        engine.estimate_gas(Execution(token, "transfer", BOB, {"to": ALICE, "value": 5}))
    reverted, ran = engine.storage.get_execution_history(token, 2)
    assert ran.dry_run and ran.success and ran.caller.lower() == OWNER
    assert ran.gas_used == estimate and ran.return_value is None and ran.events == []
    assert reverted.dry_run and not reverted.success and reverted.caller.lower() == BOB
    after = engine.storage.contract_stats(token)
    assert after.executions == before.executions + 2 and after.failures == before.failures + 1
    assert after.gas_used == before.gas_used + estimate + reverted.gas_used
    # A dry run grants no limit of its own: gas efficiency is not diluted by estimates.
    assert after.gas_limit - before.gas_limit == after.gas_used - before.gas_used


def test_an_estimate_refused_before_it_runs_is_not_recorded(engine):
    token = deploy_token(engine)
    with pytest.raises(EngineValidationError):
        engine.estimate_gas(Execution(token, "transfer", OWNER, {"to": "nobody"}))
    assert len(engine.storage.get_execution_history(token)) == 1  # the constructor only


def test_concurrent_transfers_all_land_exactly_once(engine):
    token = deploy_token(engine)
    engine.config = EngineConfig(conflict_retries=1000)

    def send() -> None:
        for _ in range(25):
            assert call(engine, token, "transfer", to=ALICE, value=1).success

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert call(engine, token, "balanceOf", account=ALICE).return_value == "200"
    assert engine.storage.contract_stats(token).executions == 1 + 200 + 1


def test_a_contract_that_keeps_losing_the_race_is_busy(engine, monkeypatch):
    token = deploy_token(engine)

    def always_conflict(*_args, **_kwargs):
        raise StateConflict(token)

    monkeypatch.setattr(engine.storage, "commit", always_conflict)
    with pytest.raises(ContractBusy):
        call(engine, token, "transfer", to=ALICE, value=1)


def test_cached_reads_are_keyed_by_state_version(engine):
    token = deploy_token(engine)
    assert not call(engine, token, "balanceOf", account=ALICE).cached
    assert call(engine, token, "balanceOf", account=ALICE).cached
    assert not call(engine, token, "balanceOf", account=BOB).cached  # other arguments
    call(engine, token, "transfer", to=ALICE, value=9)
    fresh = call(engine, token, "balanceOf", account=ALICE)
    assert (fresh.cached, fresh.return_value) == (False, "9")
    assert engine.cache.stats().hits == 1


def test_cache_entries_expire_and_are_bounded():
    now = [0.0]
    from cms.domain.engine.analytics import ResultCache

    cache = ResultCache(ttl_s=10, max_entries=2, clock=lambda: now[0])
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)
    assert cache.get("a") == (False, None) and cache.get("c") == (True, 3)
    now[0] = 11
    assert cache.get("c") == (False, None)


def test_a_batch_commits_successes_and_splits_nothing(engine):
    token = deploy_token(engine)
    results = engine.execute_batch([
        Execution(token, "transfer", OWNER, {"to": ALICE, "value": 3}),
        Execution(token, "transfer", BOB, {"to": ALICE, "value": 3}),
        Execution(token, "transfer", ALICE, {"to": BOB, "value": 2}),  # sees the first call
    ])
    assert [r.success for r in results] == [True, False, True]
    assert call(engine, token, "balanceOf", account=BOB).return_value == "2"
    with pytest.raises(EngineValidationError):
        engine.execute_batch([Execution(token, "name", OWNER),
                              Execution("0x" + "01" * 20, "name", OWNER)])
    with pytest.raises(EngineValidationError):
        engine.execute_batch([Execution(token, "name", OWNER)] * 101)


class _Writer(Erc20Kind):
    """A kind whose "spray" writes ``count`` keys and whose "peek" lies about being read-only."""

    def call(self, call: Invocation):
        if call.function == "spray":
            for i in range(call.args["count"]):
                call.state.set(f"k{i}", b"\x01")
            return None
        if call.function == "peek":
            call.state.set("peeked", b"\x01")
            return None
        return super().call(call)

    def is_read_only(self, metadata, function):
        return function == "peek" or super().is_read_only(metadata, function)


def test_write_limits_and_lying_read_only_functions_are_refused():
    engine = UnifiedContractEngine(MemoryContractStorage(), kinds={"erc20": _Writer()})
    token = deploy_token(engine)
    assert call(engine, token, "spray", count=64).success
    too_many = call(engine, token, "spray", count=65)
    assert not too_many.success and "at most 64" in too_many.error["detail"]
    peek = call(engine, token, "peek")
    assert not peek.success and "read-only" in peek.error["detail"]
    assert engine.storage.get_contract_state(token, "peeked") is None


def test_deployments_are_validated_and_addresses_unique(engine):
    with pytest.raises(EngineValidationError):
        engine.deploy_contract(Deployment("erc20", OWNER, "T", {"name": "T"}))
    with pytest.raises(EngineValidationError):
        engine.deploy_contract(Deployment("erc20", OWNER, "T", {"name": "T", "symbol": "T",
                                                                "owner": ALICE}))
    with pytest.raises(EngineValidationError):
        engine.deploy_contract(Deployment("nope", OWNER))
    salted = Deployment("erc20", OWNER, "T", {"name": "T", "symbol": "T"}, salt=bytes(32))
    engine.deploy_contract(salted)
    with pytest.raises(ContractExists):
        engine.deploy_contract(salted)
    with pytest.raises(ContractNotFound):
        call(engine, "0x" + "99" * 20, "name")


def test_metrics_and_health_follow_the_executions():
    clock = [datetime(2026, 11, 22, 12, 0, tzinfo=UTC)]
    engine = UnifiedContractEngine(MemoryContractStorage(), clock=lambda: clock[0])
    token = deploy_token(engine)
    for _ in range(3):
        call(engine, token, "transfer", to=ALICE, value=1)
    for _ in range(2):
        call(engine, token, "transfer", BOB, to=ALICE, value=1)
    metrics = engine.performance_metrics()
    assert (metrics.total_executions, metrics.contracts, metrics.active_contracts) == (6, 1, 1)
    assert metrics.recent_error_rate == pytest.approx(2 / 6)
    health = engine.health_report(token)
    assert health.status == "warning" and health.recent_errors == {"contract_reverted": 2}
    assert any("failed" in advice for advice in health.recommendations)

    clock[0] += timedelta(minutes=30)  # nothing recent any more
    metrics = engine.performance_metrics()
    assert (metrics.active_contracts, metrics.recent_executions) == (0, 0)
    assert metrics.total_executions == 6


def test_a_batch_past_one_commit_reports_every_call_and_never_half_fails(engine, monkeypatch):
    token = deploy_token(engine)
    holders = ["0x" + f"{i:040x}" for i in range(1, 81)]
    calls = [Execution(token, "transfer", OWNER, {"to": h, "value": 1}) for h in holders]
    calls.insert(70, Execution(token, "transfer", OWNER, {"to": ALICE, "value": "abc"}))
    results = engine.execute_batch(calls)
    assert len(results) == 81 and sum(r.success for r in results) == 80
    refused = results[70]
    assert refused.execution_id is None and refused.error["code"] == "engine_validation_error"
    assert call(engine, token, "totalSupply").return_value == "1000000"
    assert len(engine.storage.get_execution_history(token, 200)) == 1 + 80 + 1

    commits = []
    real_commit = engine.storage.commit

    def second_commit_busy(*args):
        commits.append(1)
        if len(commits) > 1:
            raise StateConflict(token)
        real_commit(*args)

    monkeypatch.setattr(engine.storage, "commit", second_commit_busy)
    results = engine.execute_batch(calls[:80])
    ran = [r for r in results if r.execution_id]
    assert ran and all(r.success for r in ran) and len(results) == 80
    assert {r.error["code"] for r in results if not r.execution_id} == {"contract_busy"}


def slow_engine(seconds: float, call_ms: int = 1_000, batch_ms: int = 1_500
                ) -> tuple[UnifiedContractEngine, ManualTimer]:
    """An engine whose token calls each take ``seconds`` on a timer the test controls."""
    timer = ManualTimer()
    config = EngineConfig(max_execution_time_ms=call_ms, max_batch_time_ms=batch_ms)
    return UnifiedContractEngine(MemoryContractStorage(), config, timer=timer,
                                 kinds={"erc20": Slowed(Erc20Kind(), timer, seconds)}), timer


def test_a_batch_that_runs_out_of_time_commits_what_ran_and_says_what_did_not():
    engine, _ = slow_engine(0.6)
    token = deploy_token(engine)
    results = engine.execute_batch(
        [Execution(token, "transfer", OWNER, {"to": ALICE, "value": 1})] * 4)
    # 0.6 s a call: two end by 1.2 s; the third would end at 1.8 s, past the batch's 1.5 s.
    assert all(r.success and r.execution_id for r in results[:2])
    assert [r.error["code"] for r in results[2:]] == ["execution_timeout"] * 2
    assert all(r.execution_id is None and r.gas_used == 0 for r in results[2:])
    assert len(engine.storage.get_execution_history(token)) == 3  # the third is not recorded
    assert call(engine, token, "balanceOf", account=ALICE).return_value == "2"


def test_a_call_past_its_own_time_limit_stops_and_writes_nothing():
    engine, _ = slow_engine(1.2)
    token = deploy_token(engine)
    version = engine.storage.snapshot(token).version
    late = call(engine, token, "transfer", to=ALICE, value=1)
    assert late.error["code"] == "execution_timeout" and late.error["time_limit_ms"] == 1_000
    assert late.gas_used == late.gas_limit and late.execution_id  # recorded, billed in full
    assert engine.storage.snapshot(token).version == version


def test_retries_after_conflicts_stop_at_the_batch_time():
    engine, timer = slow_engine(0.4)
    engine.config = replace(engine.config, conflict_retries=1000)
    token = deploy_token(engine)
    attempts = []

    def always_busy(*_args: object) -> None:
        attempts.append(timer.now)
        raise StateConflict(token)

    engine.storage.commit = always_busy  # type: ignore[method-assign]
    result = call(engine, token, "transfer", to=ALICE, value=1)
    # 0.4 s a run: three commits lost by 1.2 s; a fourth run would end past the batch's 1.5 s.
    assert attempts == [pytest.approx(1_000 + 0.4 * n) for n in (1, 2, 3)]
    assert result.error["code"] == "execution_timeout" and result.execution_id is None

    def slow_and_busy(*_args: object) -> None:
        timer.advance(0.5)  # a commit that takes its time, then loses
        raise StateConflict(token)

    engine.storage.commit = slow_and_busy  # type: ignore[method-assign]
    with pytest.raises(ContractBusy):  # two runs end at 1.8 s: no third is started
        call(engine, token, "transfer", to=ALICE, value=1)
