"""ContractLedger on a real EVM node (anvil from the pinned npm package)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3
from web3.exceptions import ContractCustomError

from local_stack.anvil import Anvil
from local_stack.stack import free_port

REPO = Path(__file__).resolve().parents[2]
ARTIFACT = REPO / "contracts" / "artifacts" / "ContractLedger.json"
ROOT = b"\x11" * 32


@pytest.fixture(scope="module")
def w3() -> Iterator[Web3]:
    node = Anvil(free_port()).start()
    yield Web3(Web3.HTTPProvider(node.url))
    node.stop()


@pytest.fixture
def ledger(w3):
    """A fresh deployment per test; account 0 owns it, account 1 is an allowed recorder."""
    artifact = json.loads(ARTIFACT.read_text())
    owner, recorder = w3.eth.accounts[0], w3.eth.accounts[1]
    deploy = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(deploy.constructor().transact({"from": owner}))
    contract = w3.eth.contract(address=receipt.contractAddress, abi=artifact["abi"])
    wait(w3, contract.functions.setRecorder(recorder, True).transact({"from": owner}))
    return contract


def wait(w3, tx_hash):
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt.status == 1
    return receipt


def reverts(call, signature: str) -> None:
    selector = "0x" + Web3.keccak(text=signature)[:4].hex().removeprefix("0x")
    with pytest.raises(ContractCustomError) as error:
        call()
    assert str(error.value.data).startswith(selector), (signature, error.value.data)


def test_the_committed_artifact_is_what_the_pinned_solc_compiles():
    node = shutil.which("node")
    assert node, "Node.js is required"
    fresh = subprocess.run([node, str(REPO / "contracts" / "compile.js"), "--stdout"],
                           capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(fresh.stdout)["ContractLedger"] == json.loads(ARTIFACT.read_text())


def test_only_the_owner_manages_recorders_and_ownership(w3, ledger):
    owner, recorder, stranger = w3.eth.accounts[:3]
    reverts(lambda: ledger.functions.setRecorder(stranger, True).transact({"from": stranger}),
            "NotOwner(address)")
    reverts(lambda: ledger.functions.setRecorder(
        "0x0000000000000000000000000000000000000000", True).transact({"from": owner}),
        "ZeroAddress()")
    wait(w3, ledger.functions.setRecorder(recorder, False).transact({"from": owner}))
    reverts(lambda: ledger.functions.recordEvent("c", "t", "d").transact({"from": recorder}),
            "NotRecorder(address)")
    wait(w3, ledger.functions.transferOwnership(stranger).transact({"from": owner}))
    assert ledger.functions.owner().call() == stranger
    reverts(lambda: ledger.functions.setRecorder(owner, True).transact({"from": owner}),
            "NotOwner(address)")


@pytest.mark.parametrize("write", [
    lambda f: f.recordEvent("c1", "contract.created", "{}"),
    lambda f: f.anchor(ROOT, 0, 0, 1),
    lambda f: f.setStatus("c1", 2, 3, ROOT),
])
def test_writers_must_be_on_the_allowlist(w3, ledger, write):
    owner, stranger = w3.eth.accounts[0], w3.eth.accounts[2]
    for account in (owner, stranger):  # not even the owner writes unless listed
        reverts(lambda a=account: write(ledger.functions).transact({"from": a}),
                "NotRecorder(address)")


def test_record_event_is_the_seed_design(w3, ledger):
    recorder = w3.eth.accounts[1]
    receipt = wait(w3, ledger.functions.recordEvent(
        "c1", "contract.signed", '{"seq":3}').transact({"from": recorder}))
    [logged] = ledger.events.ContractEvent().process_receipt(receipt)
    assert (logged.args.contractId, logged.args.eventType, logged.args.data) == (
        "c1", "contract.signed", '{"seq":3}')
    assert ledger.functions.eventCount("c1").call() == 1
    event_type, data, timestamp = ledger.functions.eventAt("c1", 0).call()
    assert (event_type, data) == ("contract.signed", '{"seq":3}') and timestamp == (
        w3.eth.get_block(receipt.blockNumber).timestamp)


def test_batches_anchor_consecutive_ranges_once(w3, ledger):
    recorder = w3.eth.accounts[1]
    receipt = wait(w3, ledger.functions.anchor(ROOT, 0, 9, 10).transact({"from": recorder}))
    [anchored] = ledger.events.Anchored().process_receipt(receipt)
    assert anchored.args.root == ROOT and (anchored.args.firstSeq, anchored.args.lastSeq,
                                           anchored.args.count) == (0, 9, 10)
    assert ledger.functions.anchorOf(ROOT).call() == [receipt.blockNumber, 0, 9, 10]
    assert ledger.functions.nextSeq().call() == 10
    reverts(lambda: ledger.functions.anchor(ROOT, 10, 10, 1).transact({"from": recorder}),
            "AlreadyAnchored(bytes32)")
    other = b"\x22" * 32
    reverts(lambda: ledger.functions.anchor(other, 0, 9, 10).transact({"from": recorder}),
            "OutOfOrder(uint64,uint64)")  # the same batch again: refused, not anchored twice
    reverts(lambda: ledger.functions.anchor(other, 11, 11, 1).transact({"from": recorder}),
            "OutOfOrder(uint64,uint64)")  # a gap
    reverts(lambda: ledger.functions.anchor(other, 10, 12, 2).transact({"from": recorder}),
            "BadRange(uint64,uint64,uint32)")
    reverts(lambda: ledger.functions.anchor(other, 10, 10, 0).transact({"from": recorder}),
            "EmptyBatch()")
    reverts(lambda: ledger.functions.anchor(b"\x00" * 32, 10, 10, 1).transact(
        {"from": recorder}), "EmptyRoot()")
    assert ledger.functions.anchorOf(other).call() == [0, 0, 0, 0]
    wait(w3, ledger.functions.anchor(other, 10, 10, 1).transact({"from": recorder}))
    assert ledger.functions.nextSeq().call() == 11


def test_status_slots_only_move_forward_and_only_for_significant_states(w3, ledger):
    recorder = w3.eth.accounts[1]
    head = b"\xab" * 32
    receipt = wait(w3, ledger.functions.setStatus("c1", 2, 3, head).transact(
        {"from": recorder}))
    [logged] = ledger.events.StatusRecorded().process_receipt(receipt)
    assert (logged.args.status, logged.args.seq, logged.args.headHash) == (2, 3, head)
    status, seq, updated_at, head_hash = ledger.functions.statusOf("c1").call()
    assert (status, seq, head_hash) == (2, 3, head) and updated_at > 0
    reverts(lambda: ledger.functions.setStatus("c1", 3, 3, head).transact({"from": recorder}),
            "StaleStatus(uint64,uint64)")
    for insignificant in (0, 1, 7):  # draft, review, and no such status
        reverts(lambda s=insignificant: ledger.functions.setStatus("c1", s, 9, head).transact(
            {"from": recorder}), "NotSignificant(uint8)")
    wait(w3, ledger.functions.setStatus("c1", 3, 4, b"\xcd" * 32).transact({"from": recorder}))
    assert ledger.functions.statusOf("c1").call()[:2] == [3, 4]
    assert ledger.functions.statusOf("unknown").call() == [0, 0, 0, b"\x00" * 32]
