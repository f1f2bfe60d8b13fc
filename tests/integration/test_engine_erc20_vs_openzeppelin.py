"""Differential test: the engine's built-in ERC20 against OpenZeppelin 5 on a real EVM (anvil).

The same seeded random operations run on ``cms.domain.engine.Erc20`` and on
``contracts/erc20_reference/ReferenceToken.sol`` (OZ 5.7.0 ERC20 + ERC20Burnable + Ownable)
deployed on anvil. After every step the two must agree byte for byte: the ABI-encoded return
value, the revert data (custom error selector and arguments, or ``Panic``), the log topics and
data, and then every balance, the total supply and the owner (allowances every few steps).
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode
from web3 import Web3

from cms.domain.engine import FUNCTIONS, ContractReverted, Erc20, GasMeter, MemoryState
from cms.domain.engine.erc20 import MAX_UINT256, ZERO_ADDRESS
from cms.domain.engine.gas import MAX_GAS_LIMIT
from local_stack.anvil import Anvil
from local_stack.stack import free_port

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
FOLDER = REPO / "contracts" / "erc20_reference"
ARTIFACT = FOLDER / "ReferenceToken.json"
SEED, STEPS, ACTORS = 20240606, 400, 5
INITIAL_SUPPLY = 10**24


@pytest.fixture(scope="module")
def w3() -> Iterator[Web3]:
    node = Anvil(free_port()).start()
    yield Web3(Web3.HTTPProvider(node.url))
    node.stop()


def rpc(w3: Web3, method: str, params: list) -> dict:
    """A raw JSON-RPC exchange: revert data and hex logs exactly as the node sends them."""
    return w3.provider.make_request(method, params)  # type: ignore[arg-type]


@dataclass
class Outcome:
    """What one call did: ABI-encoded result or revert data, and the logs (topics, data)."""

    ok: bool
    output: str
    logs: list[tuple[tuple[str, ...], str]]


class Evm:
    """The reference token on anvil, called with raw calldata built from the engine's ABI."""

    def __init__(self, w3: Web3, owner: str) -> None:
        artifact = json.loads(ARTIFACT.read_text())
        self.w3 = w3
        factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
        tx = factory.constructor("Reference", "REF", 18, owner, INITIAL_SUPPLY).transact(
            {"from": owner})
        self.address = w3.eth.wait_for_transaction_receipt(tx).contractAddress

    def run(self, function: str, values: list[Any], caller: str) -> Outcome:
        spec = FUNCTIONS[function]
        data = spec.selector + encode([t for _, t in spec.params], values).hex()
        request = {"from": caller, "to": self.address, "data": data}
        answer = rpc(self.w3, "eth_call", [request, "latest"])
        if "error" in answer:
            return Outcome(False, answer["error"].get("data", "0x"), [])
        if spec.read_only:
            return Outcome(True, answer["result"], [])
        return Outcome(True, answer["result"], self._send(request))

    def _send(self, request: dict) -> list[tuple[tuple[str, ...], str]]:
        sent = rpc(self.w3, "eth_sendTransaction", [request | {"gas": hex(500_000)}])
        self.w3.eth.wait_for_transaction_receipt(sent["result"], poll_latency=0.01)
        receipt = rpc(self.w3, "eth_getTransactionReceipt", [sent["result"]])["result"]
        assert receipt["status"] == "0x1", receipt
        assert all(Web3.to_checksum_address(log["address"]) == self.address
                   for log in receipt["logs"])
        return [(tuple(log["topics"]), log["data"]) for log in receipt["logs"]]


class Engine:
    """The engine's token, every call with its own meter, shaped like an EVM outcome."""

    def __init__(self, owner: str) -> None:
        self.state = MemoryState()
        meter = GasMeter(MAX_GAS_LIMIT)
        Erc20(self.state, meter).init("Reference", "REF", 18, owner, INITIAL_SUPPLY)
        self.gas_used = 0

    def read(self, function: str, **args: Any) -> Any:
        return Erc20(self.state, GasMeter(MAX_GAS_LIMIT)).call(function, args, ZERO_ADDRESS)

    def run(self, function: str, args: dict[str, Any], caller: str) -> Outcome:
        events: list = []
        meter = GasMeter(MAX_GAS_LIMIT)
        try:
            result = Erc20(self.state, meter, events.append).call(function, args, caller)
        except ContractReverted as reverted:
            return Outcome(False, reverted.data, [])
        self.gas_used += meter.used
        output = encode_result(FUNCTIONS[function].returns, result)
        return Outcome(True, output, [(e.topics, e.data) for e in events])


def encode_result(kind: str | None, value: Any) -> str:
    if kind is None:
        assert value is None
        return "0x"
    return "0x" + encode([kind], [value]).hex()


# --- the random walk ----------------------------------------------------------------------

class Walk:
    """Seeded random operations, with amounts drawn near the interesting edges."""

    def __init__(self, engine: Engine, actors: list[str], owner: str) -> None:
        self.random = random.Random(SEED)
        self.engine, self.actors, self.owner = engine, actors, owner
        self.targets = [*actors, ZERO_ADDRESS]

    def amount(self, around: int) -> int:
        pick = self.random.random()
        if pick < 0.1:
            return 0
        if pick < 0.2:
            return MAX_UINT256 - self.random.choice([0, 0, 1])
        if pick < 0.3:
            return around + self.random.choice([-1, 1]) if around else 1
        if pick < 0.4:
            return around
        return self.random.randint(0, max(1, around * 11 // 10))

    def step(self) -> tuple[str, dict[str, Any], str]:
        r, actors, targets = self.random, self.actors, self.targets
        caller = self.owner if r.random() < 0.3 else r.choice(actors)
        other, holder = r.choice(targets), r.choice(targets)
        balance = self.engine.read("balanceOf", account=caller)
        function = r.choices(
            ["transfer", "approve", "transferFrom", "increaseAllowance", "decreaseAllowance",
             "mint", "burn", "burnFrom", "balanceOf", "allowance", "totalSupply",
             "transferOwnership"],
            weights=[20, 12, 20, 6, 6, 8, 6, 10, 3, 3, 2, 1])[0]
        allowance = self.engine.read("allowance", owner=holder, spender=caller)
        holder_balance = self.engine.read("balanceOf", account=holder)
        args: dict[str, dict[str, Any]] = {
            "transfer": {"to": other, "value": self.amount(balance)},
            "approve": {"spender": other, "value": self.amount(balance)},
            "transferFrom": {"from": holder, "to": other,
                             "value": self.amount(min(allowance, holder_balance))},
            "increaseAllowance": {"spender": other, "addedValue": self.amount(balance)},
            "decreaseAllowance": {"spender": other, "requestedDecrease": self.amount(
                self.engine.read("allowance", owner=caller, spender=other))},
            "mint": {"to": other, "value": self.amount(INITIAL_SUPPLY // 100)},
            "burn": {"value": self.amount(balance)},
            "burnFrom": {"account": holder, "value": self.amount(min(allowance,
                                                                     holder_balance))},
            "balanceOf": {"account": other},
            "allowance": {"owner": holder, "spender": other},
            "totalSupply": {},
            "transferOwnership": {"newOwner": other},
        }
        return function, args[function], caller


def assert_same_state(evm: Evm, engine: Engine, accounts: list[str], *, allowances: bool,
                      where: str) -> None:
    reads: list[tuple[str, dict[str, Any]]] = [("totalSupply", {}), ("owner", {})]
    reads += [("balanceOf", {"account": a}) for a in [*accounts, ZERO_ADDRESS]]
    if allowances:
        reads += [("allowance", {"owner": o, "spender": s}) for o in accounts for s in accounts]
    for function, args in reads:
        values = FUNCTIONS[function].parse(args)
        expected = evm.run(function, values, ZERO_ADDRESS)
        actual = engine.run(function, args, ZERO_ADDRESS)
        assert actual == expected, (where, function, args)


def test_the_committed_artifact_is_what_the_pinned_solc_compiles():
    node = shutil.which("node")
    assert node, "Node.js is required"
    fresh = subprocess.run([node, str(FOLDER / "compile.js"), "--stdout"],
                           capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(fresh.stdout) == json.loads(ARTIFACT.read_text())


def test_the_engine_has_the_reference_abi():
    abi = json.loads(ARTIFACT.read_text())["abi"]
    functions = {f"{f['name']}({','.join(i['type'] for i in f['inputs'])})": f
                 for f in abi if f["type"] == "function"}
    assert functions.keys() == {f.signature for f in FUNCTIONS.values()}
    for spec in FUNCTIONS.values():
        reference = functions[spec.signature]
        assert [i["name"] for i in reference["inputs"]] == [n for n, _ in spec.params]
        assert spec.read_only == (reference["stateMutability"] == "view"), spec.name
        outputs = [o["type"] for o in reference["outputs"]]
        assert outputs == ([spec.returns] if spec.returns else []), spec.name


def test_a_random_walk_matches_openzeppelin_step_by_step(w3):
    accounts = w3.eth.accounts[:ACTORS]
    owner = accounts[0]
    evm, engine = Evm(w3, owner), Engine(owner)
    assert_same_state(evm, engine, accounts, allowances=True, where="deployment")
    walk = Walk(engine, accounts, owner)
    seen: dict[str, int] = {}
    for number in range(STEPS):
        function, args, caller = walk.step()
        where = f"step {number}: {caller} {function}({args})"
        expected = evm.run(function, FUNCTIONS[function].parse(args), caller)
        actual = engine.run(function, args, caller)
        assert actual == expected, where
        outcome = "ok" if actual.ok else actual.output[:10]
        seen[f"{function}:{outcome}"] = seen.get(f"{function}:{outcome}", 0) + 1
        assert_same_state(evm, engine, accounts, allowances=number % 25 == 0, where=where)
    assert_same_state(evm, engine, accounts, allowances=True, where="end")
    # the walk must have reached the interesting failures, not only the happy paths
    selectors = {key.split(":")[1] for key in seen}
    for error in ("0xe450d38c", "0xfb8f41b2", "0xec442f05", "0x94280d62", "0x118cdaa7",
                  "0x4e487b71"):
        assert error in selectors, (error, sorted(seen))


def test_renounced_ownership_and_edge_reverts_match(w3):
    accounts = w3.eth.accounts[:ACTORS]
    owner, alice = accounts[0], accounts[1]
    evm, engine = Evm(w3, owner), Engine(owner)
    script: list[tuple[str, dict[str, Any], str]] = [
        ("transferFrom", {"from": ZERO_ADDRESS, "to": alice, "value": 0}, alice),
        ("burnFrom", {"account": ZERO_ADDRESS, "value": 0}, alice),
        ("decreaseAllowance", {"spender": ZERO_ADDRESS, "requestedDecrease": 0}, owner),
        ("decreaseAllowance", {"spender": ZERO_ADDRESS, "requestedDecrease": 1}, owner),
        ("increaseAllowance", {"spender": alice, "addedValue": MAX_UINT256}, owner),
        ("increaseAllowance", {"spender": alice, "addedValue": 1}, owner),
        ("transferFrom", {"from": owner, "to": alice, "value": 5}, alice),
        ("mint", {"to": alice, "value": MAX_UINT256 - INITIAL_SUPPLY}, owner),
        ("mint", {"to": alice, "value": 1}, owner),
        ("transferOwnership", {"newOwner": ZERO_ADDRESS}, owner),
        ("renounceOwnership", {}, alice),
        ("renounceOwnership", {}, owner),
        ("mint", {"to": owner, "value": 1}, owner),
        ("burn", {"value": 1}, owner),
        ("transfer", {"to": owner, "value": MAX_UINT256 - INITIAL_SUPPLY}, alice),
    ]
    for function, args, caller in script:
        expected = evm.run(function, FUNCTIONS[function].parse(args), caller)
        assert engine.run(function, args, caller) == expected, (function, args)
    assert_same_state(evm, engine, accounts, allowances=True, where="end")
