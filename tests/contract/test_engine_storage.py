"""The contract engine's storage (cms.ports.engine.ContractStateStorage), in memory and on
DynamoDB: deployments and commits all or nothing at a state version, history newest first
from any position, running totals, and the engine on top of it losing nothing when two
containers race on one contract.

DynamoDB's tables live for the module, so each test works on contracts of its own (random
addresses) and reads engine-wide figures as differences."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import replace

import pytest

from cms.bootstrap import MemoryServices, Services
from cms.domain.engine.errors import ContractExists, ContractNotFound
from cms.domain.engine.records import ContractMetadata, ExecutionRecord
from cms.domain.engine.storage import StateConflict, history_key
from cms.domain.engine.unified import (
    Deployment,
    EngineConfig,
    Execution,
    UnifiedContractEngine,
)

OWNER, ALICE, BOB = ("0x" + c * 40 for c in "DEF")
NOW = "2026-12-07T06:00:00.000Z"


def new_address() -> str:
    return "0x" + os.urandom(20).hex()


def metadata(address: str | None = None, **changes: object) -> ContractMetadata:
    return replace(ContractMetadata(address or new_address(), "erc20", "Token", OWNER, NOW,
                                    manifest={"functions": {}}, init_args={"symbol": "T"}),
                   **changes)


def record(address: str, n: int = 0, *, at: str = NOW, success: bool = True,
           function: str = "transfer", **changes: object) -> ExecutionRecord:
    return replace(ExecutionRecord(
        execution_id=f"{n:09d}-{os.urandom(8).hex()}", address=address, function=function,
        caller=OWNER, success=success, read_only=False, gas_used=30_000 + n,
        gas_limit=100_000, duration_us=10, timestamp=at, sequence=0,
        return_value=True if success else None,
        error=None if success else {"code": "contract_reverted"}), **changes)


def deployed(storage, writes=None) -> str:
    contract = metadata()
    storage.deploy(contract, writes or {"a": b"1"},
                   record(contract.address, function="constructor"))
    return contract.address


def another_container(services: Services):
    """The storage as a second Lambda container sees it: a DynamoDB adapter of its own (its
    own state cache), or the one in-memory store."""
    if isinstance(services, MemoryServices):
        return services.engine_storage
    return Services(services.settings).engine_storage


# -- deploy and commit ----------------------------------------------------------------------

def test_a_deployment_is_version_one_with_its_state_record_and_totals(services):
    storage = services.engine_storage
    contracts = storage.contract_count()
    contract = metadata()
    storage.deploy(contract, {"a": b"1", "b": b"2"}, record(contract.address))
    snapshot = storage.snapshot(contract.address)
    assert snapshot.metadata == contract and snapshot.version == 1
    assert (snapshot.state.get("a"), snapshot.state.get("c")) == (b"1", None)
    assert storage.get_contract_metadata(contract.address) == contract
    assert storage.get_contract_state(contract.address, "b") == b"2"
    stats = storage.contract_stats(contract.address)
    assert (stats.executions, stats.gas_used, stats.last_execution_at) == (1, 30_000, NOW)
    assert contract.address in storage.list_contracts()
    assert storage.contract_count() == contracts + 1


def test_deploying_to_a_taken_address_writes_nothing(services):
    storage = services.engine_storage
    address = deployed(storage)
    with pytest.raises(ContractExists):
        storage.deploy(metadata(address, name="Other"), {"a": b"2"}, record(address))
    assert storage.get_contract_metadata(address).name == "Token"
    assert storage.get_contract_state(address, "a") == b"1"
    assert len(storage.get_execution_history(address)) == 1


def test_unknown_contracts_read_as_nothing(services):
    storage, nobody = services.engine_storage, new_address()
    assert storage.snapshot(nobody) is None and storage.get_contract_metadata(nobody) is None
    assert storage.get_contract_state(nobody, "a") is None
    assert storage.get_execution_history(nobody) == []
    assert storage.contract_stats(nobody).executions == 0


def test_a_commit_applies_writes_removals_and_records_together(services):
    storage = services.engine_storage
    address = deployed(storage)
    storage.commit(address, 1, {"a": None, "b": b"new"},
                   [record(address, 1), record(address, 2, success=False)])
    snapshot = storage.snapshot(address)
    assert snapshot.version == 2
    assert (snapshot.state.get("a"), snapshot.state.get("b")) == (None, b"new")
    stats = storage.contract_stats(address)
    assert (stats.executions, stats.failures) == (3, 1)
    assert stats.gas_used == 30_000 + 30_001 + 30_002 and stats.gas_limit == 300_000


def test_records_alone_leave_the_version(services):
    storage = services.engine_storage
    address = deployed(storage)
    storage.commit(address, 1, {}, [record(address, 1, success=False)])
    assert storage.snapshot(address).version == 1
    assert len(storage.get_execution_history(address)) == 2


def test_a_commit_at_a_moved_version_writes_nothing(services):
    storage = services.engine_storage
    address = deployed(storage)
    storage.commit(address, 1, {"a": b"2"}, [record(address, 1)])
    with pytest.raises(StateConflict):
        another_container(services).commit(address, 1, {"a": b"3"}, [record(address, 2)])
    with pytest.raises(StateConflict):
        storage.commit(new_address(), 0, {"a": b"3"}, [record(address, 2)])
    assert storage.snapshot(address).state.get("a") == b"2"
    assert storage.contract_stats(address).executions == 2


def test_each_container_reads_the_state_of_the_version_it_snapshots(services):
    mine, theirs = services.engine_storage, another_container(services)
    address = deployed(mine)
    assert theirs.snapshot(address).state.get("a") == b"1"
    mine.commit(address, 1, {"a": b"2"}, [record(address, 1)])
    snapshot = theirs.snapshot(address)
    assert (snapshot.version, snapshot.state.get("a")) == (2, b"2")


# -- history --------------------------------------------------------------------------------

def test_history_is_newest_first_and_pages_from_any_position(services):
    storage = services.engine_storage
    address = deployed(storage)
    times = ["2026-12-07T06:00:01.000Z", "2026-12-07T06:00:02.000Z"]
    storage.commit(address, 1, {}, [record(address, n, at=times[0]) for n in range(3)])
    storage.commit(address, 1, {}, [record(address, 9, at=times[1])])
    history = storage.get_execution_history(address)
    assert [r.gas_used - 30_000 for r in history] == [9, 2, 1, 0, 0]
    assert history[-1].function == "constructor" and history[-1].timestamp == NOW

    seen, before = [], None
    while page := storage.get_execution_history(address, 2, before):
        seen += page
        before = history_key(page[-1])
    assert seen == history
    # Any string is a position: the records below it.
    assert storage.get_execution_history(address, 10, times[1]) == history[1:]
    assert storage.get_execution_history(address, 10, "0") == []
    assert storage.get_execution_history(address, 10, "\uffff") == history
    assert storage.get_execution_history(address, 1) == history[:1]


def test_a_commits_records_too_large_for_one_item_keep_a_digest_of_what_they_returned(
        services):
    storage = services.engine_storage
    address = deployed(storage)
    big = "0x" + "ab" * 61_440
    later = "2026-12-07T06:00:01.000Z"
    storage.commit(address, 1, {}, [record(address, n, at=later, return_value=big)
                                    for n in range(8)])
    history = storage.get_execution_history(address, 8)
    assert len(history) == 8
    for kept in (r.return_value for r in history):
        text = json.dumps(big, sort_keys=True)
        assert kept == big or kept == {"omitted_bytes": len(json.dumps(big)),
                                       "sha256": hashlib.sha256(text.encode()).hexdigest()}


# -- the engine design's single operations --------------------------------------------------

def test_stored_metadata_makes_a_contract_or_replaces_its_metadata_alone(services):
    storage = services.engine_storage
    contracts = storage.contract_count()
    contract = metadata()
    storage.store_contract_metadata(contract)
    assert storage.snapshot(contract.address).version == 0
    assert storage.contract_count() == contracts + 1
    address = deployed(storage)
    storage.commit(address, 1, {"a": b"2"}, [record(address, 1)])
    storage.store_contract_metadata(metadata(address, description="renamed"))
    snapshot = storage.snapshot(address)
    assert snapshot.metadata.description == "renamed"
    assert (snapshot.version, snapshot.state.get("a")) == (2, b"2")
    assert storage.contract_stats(address).executions == 2


def test_a_single_state_write_moves_the_version(services):
    storage = services.engine_storage
    address = deployed(storage)
    storage.set_contract_state(address, "k", b"v")
    assert storage.get_contract_state(address, "k") == b"v"
    assert storage.snapshot(address).version == 2
    with pytest.raises(StateConflict):
        storage.commit(address, 1, {"k": b"w"}, [record(address, 1)])
    with pytest.raises(ContractNotFound):
        storage.set_contract_state(new_address(), "k", b"v")


def test_a_stored_execution_joins_history_and_totals(services):
    storage = services.engine_storage
    address = deployed(storage)
    storage.store_execution(record(address, 1, success=False))
    assert len(storage.get_execution_history(address)) == 2
    assert storage.contract_stats(address).failures == 1
    assert storage.snapshot(address).version == 1
    with pytest.raises(ContractNotFound):
        storage.store_execution(record(new_address()))


def test_a_dry_run_is_kept_as_one_and_counts_its_gas_but_grants_no_limit(services):
    storage = services.engine_storage
    address = deployed(storage)
    before = storage.contract_stats(address)
    storage.store_execution(record(address, 2, dry_run=True, return_value=None,
                                   gas_limit=30_000_000))
    [latest, _] = storage.get_execution_history(address)
    assert latest.dry_run and latest.gas_limit == 30_000_000
    after = storage.contract_stats(address)
    assert after.executions == before.executions + 1
    assert after.gas_used - before.gas_used == after.gas_limit - before.gas_limit == 30_002
    assert storage.engine_stats().gas_used >= 30_002


# -- engine-wide figures ----------------------------------------------------------------------

def test_engine_totals_and_minute_buckets_add_every_commit(services):
    storage = services.engine_storage
    before = storage.engine_stats()
    minute = f"2031-{os.urandom(1)[0] % 12 + 1:02d}-01T00:{os.urandom(1)[0] % 60:02d}"
    at = minute + ":30.000Z"
    address = deployed(storage)
    storage.commit(address, 1, {}, [record(address, 1, at=at),
                                    record(address, 2, at=at, success=False)])
    totals = storage.engine_stats()
    assert totals.address is None
    assert totals.executions - before.executions == 3
    assert totals.failures - before.failures == 1
    [bucket] = [m for m in storage.recent_minutes(minute) if m.minute == minute]
    assert (bucket.executions, bucket.failures) == (2, 1) and address in bucket.contracts
    assert all(m.minute >= minute for m in storage.recent_minutes(minute))


# -- the engine on the storage ----------------------------------------------------------------

def engine_on(storage) -> UnifiedContractEngine:
    return UnifiedContractEngine(storage, EngineConfig(conflict_retries=200))


def balance(engine: UnifiedContractEngine, token: str, account: str) -> int:
    result = engine.execute_contract(Execution(token, "balanceOf", OWNER, {"account": account}))
    return int(result.return_value)


@pytest.fixture
def token(services) -> str:
    return engine_on(services.engine_storage).deploy_contract(Deployment(
        "erc20", OWNER, "Token", {"name": "Token", "symbol": "TOK",
                                  "initial_supply": str(10**30)})).address


def test_two_containers_racing_on_one_contract_lose_nothing(services, token):
    engines = [engine_on(services.engine_storage), engine_on(another_container(services))]
    failures: list[object] = []

    def send(engine: UnifiedContractEngine) -> None:
        for _ in range(10):
            result = engine.execute_contract(
                Execution(token, "transfer", OWNER, {"to": ALICE, "value": "1"}))
            if not result.success:
                failures.append(result.error)

    threads = [threading.Thread(target=send, args=(engine,)) for engine in engines * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    # Each container's state cache is right for the version it read.
    assert [balance(engine, token, ALICE) for engine in engines] == [40, 40]
    stats = services.engine_storage.contract_stats(token)
    assert stats.executions == 1 + 40 + 2 and stats.failures == 0


def test_a_failed_call_writes_nothing_and_a_batch_pages_as_its_calls(services, token):
    engine = engine_on(services.engine_storage)
    failed = engine.execute_contract(Execution(token, "transfer", BOB, {"to": ALICE,
                                                                         "value": "5"}))
    assert failed.error["error"] == "ERC20InsufficientBalance"
    assert services.engine_storage.get_contract_state(token, "balance:" + ALICE[2:]) is None
    engine.execute_batch([Execution(token, "transfer", OWNER, {"to": BOB, "value": v})
                          for v in ("1", "2", "3")])
    seen, before = [], None
    while page := services.engine_storage.get_execution_history(token, 2, before):
        seen += page
        before = history_key(page[-1])
    assert [r.function for r in seen] == ["transfer"] * 4 + ["constructor"]
    assert [r.success for r in seen[:4]] == [True, True, True, False]
    assert balance(engine, token, BOB) == 6


# -- each owner's deployments ---------------------------------------------------------------

def test_an_owners_deployments_newest_first_from_any_position(services):
    storage = services.engine_storage
    owner, other = f"did:key:z{os.urandom(8).hex()}", f"did:key:z{os.urandom(8).hex()}"
    times = ["2026-12-07T06:00:00.000Z", "2026-12-07T06:00:01.000Z", "2026-12-07T06:00:02.000Z"]
    mine = [metadata(created_at=at, owner_did=owner) for at in times]
    for contract in [*mine, metadata(owner_did=other), metadata()]:
        storage.deploy(contract, {}, record(contract.address, function="constructor"))
    newest_first = [c.address for c in reversed(mine)]
    assert [c.address for c in storage.list_owned(owner, 10)] == newest_first
    assert [c.address for c in storage.list_owned(owner, 2)] == newest_first[:2]
    below = f"{times[1]}#{mine[1].address.lower()}"
    assert [c.address for c in storage.list_owned(owner, 10, below)] == newest_first[2:]
    assert storage.list_owned(owner, 10, "2026-12-07T05:00:00.000Z#0x") == []
    assert storage.list_owned(f"did:key:z{os.urandom(8).hex()}", 10) == []
    assert storage.list_owned(owner, 1)[0] == mine[2]  # the whole metadata
