"""Whatever JSON a caller sends to the engine, the answer is a DomainError (a problem
response), never an unexpected exception (a 500)."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.adapters.memory.engine import MemoryContractStorage
from cms.domain.engine.circuit_library import comparator
from cms.domain.engine.unified import Deployment, Execution, UnifiedContractEngine
from cms.domain.errors import DomainError

OWNER = "0x" + "ab" * 20
COUNTER = ('(module (import "cms" "return_data" (func $r (param i32 i32)))'
           ' (memory (export "memory") 1) (func (export "get") (call $r (i32.const 0)'
           ' (i32.const 8))) (func (export "init")))')

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12)
objects = st.dictionaries(st.sampled_from(
    ["name", "symbol", "decimals", "initial_supply", "functions", "params", "returns",
     "read_only", "init", "events", "type", "circuit", "parties", "enclave_pcr0s",
     "input_public_key", "wrapped_input_key", "public_key", "authority", "to", "value",
     "amount", "account", "x"]), json_values, max_size=5)
engine = UnifiedContractEngine(MemoryContractStorage())
token = engine.deploy_contract(Deployment("erc20", OWNER, "T", {"name": "T", "symbol": "T",
                                                                 "initial_supply": 10})).address
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


def refused_or_done(action) -> None:
    with contextlib.suppress(DomainError):  # a refusal is fine; anything else fails the test
        action()


@FUZZ
@given(kind=st.sampled_from(["erc20", "wasm", "confidential_ledger", "sealed_bid_tally",
                             "circuit"]), init_args=json_values, manifest=json_values)
def test_any_deployment_is_done_or_refused(kind, init_args, manifest):
    code = COUNTER if kind == "wasm" else None
    refused_or_done(lambda: engine.deploy_contract(Deployment(
        kind, OWNER, "fuzz", init_args, code, manifest if kind == "wasm" else None)))


@FUZZ
@given(manifest=st.fixed_dictionaries({"functions": st.dictionaries(
    st.sampled_from(["get", "init", "nope"]), objects, max_size=2)}), init_args=objects)
def test_any_wasm_manifest_is_done_or_refused(manifest, init_args):
    refused_or_done(lambda: engine.deploy_contract(Deployment(
        "wasm", OWNER, "fuzz", init_args, COUNTER, manifest)))


@FUZZ
@given(circuit=json_values | st.just(comparator(2)), parties=json_values | objects)
def test_any_circuit_is_done_or_refused(circuit, parties):
    refused_or_done(lambda: engine.deploy_contract(Deployment(
        "circuit", OWNER, "fuzz", {"circuit": circuit, "parties": parties,
                                   "enclave_pcr0s": ["ab" * 48], "input_public_key": "x",
                                   "wrapped_input_key": "eA=="})))


@FUZZ
@given(function=st.sampled_from(["transfer", "approve", "balanceOf", "mint", "x"]),
       args=json_values | objects, gas=json_values)
def test_any_call_is_done_or_refused(function, args, gas):
    refused_or_done(lambda: engine.execute_batch([
        Execution(token, function, OWNER, args, gas_limit=gas),
        Execution(token, "totalSupply", OWNER)]))
