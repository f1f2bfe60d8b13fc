"""WebAssembly contracts through the unified engine (in-memory storage): deployment stores and
reloads the module, calls are metered and atomic, batches share an instance, bad modules and
runaway calls are clear errors that leave other contracts working."""

from __future__ import annotations

import json

import pytest

from cms.adapters.memory.engine import MemoryContractStorage
from cms.domain.engine.errors import EngineValidationError
from cms.domain.engine.kinds import CODE_DEPOSIT_GAS, WasmKind
from cms.domain.engine.unified import Deployment, EngineConfig, Execution, UnifiedContractEngine
from tests.unit.wasm_helpers import ALICE, BOB, CONTRACTS, OWNER


def source(name: str) -> tuple[str, dict]:
    return ((CONTRACTS / f"{name}.wat").read_text(),
            json.loads((CONTRACTS / f"{name}.manifest.json").read_text()))


def deploy(engine: UnifiedContractEngine, name: str, init_args=None, deployer=OWNER) -> str:
    code, manifest = source(name)
    return engine.deploy_contract(Deployment("wasm", deployer, name, init_args, code,
                                             manifest)).address


def call(engine, address, function, caller=OWNER, gas_limit=None, **args):
    return engine.execute_contract(Execution(address, function, caller, args,
                                             gas_limit=gas_limit))


@pytest.fixture
def engine() -> UnifiedContractEngine:
    return UnifiedContractEngine(MemoryContractStorage(),
                                 EngineConfig(max_execution_time_ms=200))


def test_a_token_module_deploys_mints_and_transfers(engine):
    token = deploy(engine, "token", {"supply": 1_000})
    metadata = engine.get_contract(token)
    assert metadata.kind == "wasm" and metadata.code_hash.startswith("0x")
    assert metadata.manifest["functions"]["balanceOf"]["read_only"] is True
    constructor = engine.storage.get_execution_history(token)[0]
    assert constructor.gas_used > CODE_DEPOSIT_GAS * len(source("token")[0]) // 10

    sent = call(engine, token, "transfer", to=ALICE, amount=250)
    assert sent.success and sent.return_value is True
    assert sent.events[0]["event"] == "Transfer"
    assert call(engine, token, "balanceOf", account=ALICE).return_value == "250"  # u64: text
    refused = call(engine, token, "transfer", ALICE, to=BOB, amount=251)
    assert refused.error["code"] == "contract_reverted" and refused.error["error"] == "Error"
    assert call(engine, token, "balanceOf", account=BOB).return_value == "0"


def test_a_cold_engine_reloads_the_module_from_state(engine):
    token = deploy(engine, "token", {"supply": 10})
    cold = UnifiedContractEngine(engine.storage, kinds={"wasm": WasmKind()})
    assert call(cold, token, "totalSupply").return_value == "10"
    assert call(cold, token, "transfer", to=ALICE, amount=3).success


def test_gas_is_deterministic_and_running_out_changes_nothing(engine):
    token = deploy(engine, "token", {"supply": 100})
    estimate = engine.estimate_gas(Execution(token, "transfer", OWNER,
                                             {"to": ALICE, "amount": 5}))
    short = call(engine, token, "transfer", gas_limit=estimate - 1, to=ALICE, amount=5)
    assert short.error["code"] == "gas_exhausted" and short.gas_used == estimate - 1
    assert call(engine, token, "balanceOf", account=ALICE).return_value == "0"
    exact = call(engine, token, "transfer", gas_limit=estimate, to=ALICE, amount=5)
    assert exact.success and exact.gas_used == estimate


def test_a_batch_shares_an_instance_and_keeps_each_call_atomic(engine):
    escrow = deploy(engine, "escrow", {"seller": BOB, "arbiter": ALICE})
    results = engine.execute_batch([
        Execution(escrow, "deposit", OWNER, {"amount": 40}),
        Execution(escrow, "refund", OWNER),  # only the seller or the arbiter refunds
        Execution(escrow, "release", ALICE),
        Execution(escrow, "status", OWNER),
    ])
    assert [r.success for r in results] == [True, False, True, True]
    assert results[1].error["error"] == "Error"
    assert results[3].return_value == "released"
    assert call(engine, escrow, "status").return_value == "released"


def test_runaway_and_malformed_modules_fail_cleanly(engine):
    loop = engine.deploy_contract(Deployment("wasm", OWNER, "loop", None,
                                             '(module (memory (export "memory") 1) '
                                             '(func (export "spin") (loop $l (br $l))))')).address
    spun = call(engine, loop, "spin", gas_limit=30_000_000)
    assert spun.error["code"] in {"execution_timeout", "gas_exhausted"}
    assert spun.gas_used == 30_000_000
    counter = deploy(engine, "counter")
    assert call(engine, counter, "increment").success  # the engine is unaffected

    for code, field in (("(module", "module"), (b"\0asm\x01\0\0\0garbage", "module"),
                        ('(module (import "env" "now" (func)) (memory (export "memory") 1))',
                         "module")):
        with pytest.raises(EngineValidationError) as refused:
            engine.deploy_contract(Deployment("wasm", OWNER, "bad", None, code))
        assert refused.value.field == field
    with pytest.raises(EngineValidationError):
        call(engine, counter, "no_such_function")
    with pytest.raises(EngineValidationError):
        call(engine, counter, "add", amount="ten")


def test_contracts_sharing_a_binary_never_share_a_manifest(engine):
    code, manifest = source("counter")
    victim = engine.deploy_contract(Deployment("wasm", OWNER, "counter", None, code,
                                               manifest)).address
    assert call(engine, victim, "add", amount=5).return_value == "5"
    hostile = json.loads(json.dumps(manifest))
    hostile["functions"]["add"]["params"][0]["type"] = "u32"
    engine.deploy_contract(Deployment("wasm", ALICE, "counter", None, code, hostile))
    engine.deploy_contract(Deployment("wasm", BOB, "counter", None, code))  # raw: no manifest
    assert call(engine, victim, "add", amount=5).return_value == "10"
