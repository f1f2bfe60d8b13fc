"""Every kind of contract stops at its wall-clock limit, not only WebAssembly: with each
reading of the engine's timer "taking" 0.4 s, every kind's call meets its 1 s deadline at a
metered step in the middle of its work and is answered ``execution_timeout``, with nothing
written. The timer is the test's (tests/unit/engine_timing.py): no assertion depends on the
machine's speed."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from cms.domain.engine.circuits import encrypt_input
from cms.domain.engine.paillier import generate_keypair
from cms.services.engine import ContractCall, ContractDeployment, EngineService
from tests.unit.engine_timing import ManualTimer
from tests.unit.services.test_engine import (
    HOLDER_ADDRESS,
    OWNER,
    OWNER_ADDRESS,
    CircuitServices,
    circuit,
    failure,
)

WASM = Path(__file__).resolve().parents[3] / "contracts" / "wasm"
PUBLIC_KEY, _ = generate_keypair(512)
# kind -> (deployment, the call that writes, a read that shows whether it did)
Case = tuple[ContractDeployment, Callable[[EngineService, str], ContractCall], ContractCall]


def _encrypted_input(engine: EngineService, address: str) -> ContractCall:
    info = engine.call(OWNER, address, ContractCall("circuitInfo")).return_value
    bits = encrypt_input(info["input_public_key"], address, "alice", info["circuit_hash"],
                         [1, 0, 1, 0])
    return ContractCall("submitInput", {"ciphertext": bits})


CASES: dict[str, Case] = {
    "erc20": (ContractDeployment("erc20", init_args={"name": "T", "symbol": "T",
                                                     "initial_supply": "100"}),
              lambda *_: ContractCall("transfer", {"to": HOLDER_ADDRESS, "value": "1"}),
              ContractCall("balanceOf", {"account": HOLDER_ADDRESS})),
    "wasm": (ContractDeployment("wasm", code=(WASM / "token.wat").read_text(),
                                manifest=json.loads((WASM / "token.manifest.json").read_text()),
                                init_args={"supply": 100}),
             lambda *_: ContractCall("transfer", {"to": HOLDER_ADDRESS, "amount": 1}),
             ContractCall("balanceOf", {"account": HOLDER_ADDRESS})),
    "confidential_ledger": (
        ContractDeployment("confidential_ledger",
                           init_args={"public_key": PUBLIC_KEY.to_json()}),
        lambda *_: ContractCall("deposit", {"to": HOLDER_ADDRESS,
                                            "amount": PUBLIC_KEY.encrypt(5).to_json()}),
        ContractCall("balanceOf", {"account": HOLDER_ADDRESS})),
    "sealed_bid_tally": (
        ContractDeployment("sealed_bid_tally", init_args={"public_key": PUBLIC_KEY.to_json()}),
        lambda *_: ContractCall("submitBid", {"bid": PUBLIC_KEY.encrypt(5).to_json()}),
        ContractCall("bidCount")),
    "circuit": (circuit(), _encrypted_input, ContractCall("inputStatus")),
}


@pytest.fixture
def services() -> CircuitServices:
    services = CircuitServices()
    engine = services.engine.engine
    engine.config = replace(engine.config, max_execution_time_ms=1_000,
                            max_batch_time_ms=5_000, enable_caching=False)
    engine.timer = ManualTimer()
    return services


@pytest.mark.parametrize("kind", sorted(CASES))
def test_every_kind_stops_at_its_call_time_limit_and_changes_nothing(services, kind):
    deployment, writing, reading = CASES[kind]
    engine = services.engine
    address = engine.deploy(OWNER, deployment).metadata.address
    before = engine.call(OWNER, address, reading).return_value
    version = engine.engine.snapshot(address).version
    request = writing(engine, address)
    engine.engine.timer.step = 0.4
    problem = failure(lambda: engine.call(OWNER, address, request))
    engine.engine.timer.step = 0.0
    assert problem.code == "execution_timeout" and problem.extra["time_limit_ms"] == 1_000
    assert problem.extra["gas_used"] == problem.extra["gas_limit"]
    assert engine.engine.snapshot(address).version == version
    assert engine.call(OWNER, address, reading).return_value == before
    assert engine.call(OWNER, address, request).success  # with time to spare, it runs


@pytest.mark.parametrize("kind", sorted(CASES))
def test_every_kinds_batch_stops_at_the_batch_time_limit(services, kind):
    deployment, writing, _ = CASES[kind]
    engine = services.engine
    address = engine.deploy(OWNER, deployment).metadata.address
    request = writing(engine, address)
    engine.engine.config = replace(engine.engine.config, max_batch_time_ms=1_000)
    engine.engine.timer.step = 0.05  # each call takes 0.15 to 0.5 s: 8 take past 1 s
    outcome = engine.batch(OWNER, address, [request] * 8)
    ran = [r.execution_id is not None for r in outcome.results]
    assert ran[0] and not ran[-1] and ran == sorted(ran, reverse=True)
    late = outcome.results[ran.count(True):]  # the call the deadline cut, and the rest
    assert all(r.error["code"] == "execution_timeout" and r.gas_used == 0 for r in late)


def test_the_owner_address_is_the_circuits_first_party():
    assert circuit().init_args["parties"]["alice"] == OWNER_ADDRESS
