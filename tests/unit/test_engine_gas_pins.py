"""The gas (and the outcome) the engine charges for representative calls, pinned to the
figures the engine charged before its throughput work: a faster engine must bill exactly what
the slower one did, for successes, reverts, out-of-gas calls and batches alike."""

from __future__ import annotations

import hashlib
import json

from cms.adapters.memory.engine import MemoryContractStorage
from cms.domain.engine.unified import Deployment, Execution, UnifiedContractEngine
from tests.unit.wasm_helpers import CONTRACTS

OWNER, ALICE, BOB = ("0x" + c * 40 for c in "abc")
SALT = bytes(32)  # a fixed address: results name it
CALLS = [
    ("transfer", OWNER, {"to": ALICE, "value": 5}, None),
    ("transfer", OWNER, {"to": ALICE, "value": 7}, None),
    ("transfer", ALICE, {"to": ALICE, "value": 1}, None),
    ("approve", OWNER, {"spender": BOB, "value": 100}, None),
    ("transferFrom", BOB, {"from": OWNER, "to": ALICE, "value": 30}, None),
    ("transferFrom", BOB, {"from": OWNER, "to": ALICE, "value": 300}, None),
    ("transfer", ALICE, {"to": BOB, "value": 10**9}, None),
    ("transfer", OWNER, {"to": BOB, "value": 1}, 30_000),
    ("balanceOf", BOB, {"account": ALICE}, None),
    ("mint", OWNER, {"to": BOB, "value": 2**200}, None),
    ("burn", ALICE, {"value": 1}, None),
    ("increaseAllowance", OWNER, {"spender": BOB, "addedValue": 1}, None),
]
WASM_CALLS = [
    ("transfer", OWNER, {"to": ALICE, "amount": 250}, None),
    ("transfer", OWNER, {"to": ALICE, "amount": 1}, None),
    ("transfer", ALICE, {"to": BOB, "amount": 10**6}, None),
    ("transfer", OWNER, {"to": BOB, "amount": 1}, 25_000),
    ("transferBatch", OWNER, {"to": [ALICE, BOB], "amount": [1, 2]}, None),
    ("balanceOf", BOB, {"account": ALICE}, None),
]
# (success, gas_used) per call above, as charged before the engine was optimised.
ERC20_GAS = [(True, 49856), (True, 32756), (True, 32756), (True, 42756), (True, 37756),
             (False, 23100), (False, 23100), (False, 30000), (True, 23100), (True, 51956),
             (False, 23100), (True, 27756)]
WASM_GAS = [(True, 55116), (True, 38017), (False, 25976), (False, 25000), (True, 70085),
            (True, 25267)]


ERC20_FINGERPRINT = "b46b642a9354d71815a96638ffbc822de5ac238310ae51db9f495bee176376d1"
WASM_FINGERPRINT = "a72776b54ccab1708d541b655ab08eeea22878d4fecbcd5f964c687735c7bcea"


def erc20_engine() -> tuple[UnifiedContractEngine, str]:
    engine = UnifiedContractEngine(MemoryContractStorage())
    return engine, engine.deploy_contract(Deployment(
        "erc20", OWNER, "Token", {"name": "Token", "symbol": "TOK",
                                  "initial_supply": 10**6}, salt=SALT)).address


def wasm_engine() -> tuple[UnifiedContractEngine, str]:
    engine = UnifiedContractEngine(MemoryContractStorage())
    code = (CONTRACTS / "token.wat").read_text()
    manifest = json.loads((CONTRACTS / "token.manifest.json").read_text())
    return engine, engine.deploy_contract(Deployment(
        "wasm", OWNER, "token", {"supply": 1_000}, code, manifest, salt=SALT)).address


def executions(address: str, calls: list) -> list[Execution]:
    return [Execution(address, function, caller, args, gas_limit=limit)
            for function, caller, args, limit in calls]


def charged(results: list) -> list[tuple[bool, int]]:
    return [(r.success, r.gas_used) for r in results]


def test_erc20_calls_one_by_one_charge_the_pinned_gas():
    engine, token = erc20_engine()
    results = [engine.execute_contract(e) for e in executions(token, CALLS)]
    assert charged(results) == ERC20_GAS


def test_erc20_calls_in_a_batch_charge_the_same_gas():
    engine, token = erc20_engine()
    assert charged(engine.execute_batch(executions(token, CALLS))) == ERC20_GAS


def test_wasm_calls_one_by_one_charge_the_pinned_gas():
    engine, token = wasm_engine()
    results = [engine.execute_contract(e) for e in executions(token, WASM_CALLS)]
    assert charged(results) == WASM_GAS


def test_wasm_calls_in_a_batch_charge_the_same_gas():
    engine, token = wasm_engine()
    assert charged(engine.execute_batch(executions(token, WASM_CALLS))) == WASM_GAS


def fingerprint(results: list) -> str:
    """Everything a result says but its id and timing: values, events, errors, gas."""
    kept = [{k: v for k, v in r.to_json().items() if k not in ("execution_id", "duration_us")}
            for r in results]
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()


def test_results_events_and_errors_are_unchanged_to_the_byte():
    engine, token = erc20_engine()
    assert fingerprint([engine.execute_contract(e) for e in executions(token, CALLS)]) == (
        ERC20_FINGERPRINT)
    engine, token = wasm_engine()
    assert fingerprint(engine.execute_batch(executions(token, WASM_CALLS))) == (
        WASM_FINGERPRINT)
