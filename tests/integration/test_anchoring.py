"""Anchoring audit events on anvil: happy path, a crash at every step, a vanished
transaction, and a chain outage. Events come from real API calls on the local stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from web3 import Web3

from cms.adapters.anchor_store import AnchorStore
from cms.adapters.contract_store import ContractStore
from cms.adapters.ledger_client import LedgerClient, LedgerConfig, LedgerUnavailable
from cms.adapters.tables import AnchorBatchRecord, AuditEventRecord
from cms.domain.anchoring import SENT
from cms.domain.merkle import InclusionProof
from cms.services.anchoring import AnchorService
from local_stack.stack import free_port
from tests.e2e.test_contracts_api import signed_contract


@pytest.fixture(autouse=True)
def only_this_test_anchors(stack) -> Iterator[None]:
    """The stack's scheduled anchor function would race the runs these tests drive."""
    with stack.paused("anchor"):
        yield


@pytest.fixture
def chain(stack) -> tuple[Web3, LedgerConfig]:
    """The local stack's own anvil and ledger, as `make run` sets them up."""
    return Web3(Web3.HTTPProvider(stack.ledger.rpc_url)), stack.ledger


@pytest.fixture
def anchor_services(stack):
    """The anchor function's services: the ledger from the SSM parameter, signer from its
    secret, its tables bound."""
    services = stack.services("anchor")
    services.tables("audit", "anchor_batches", "contracts")
    return services


@pytest.fixture
def ledger(anchor_services) -> LedgerClient:
    return anchor_services.ledger()


def anchorer(ledger: LedgerClient, store: AnchorStore | None = None,
             **options: int) -> AnchorService:
    return AnchorService(store or AnchorStore(), ledger, ContractStore(), **options)


def drain(service: AnchorService) -> list[str]:
    actions = []
    for _ in range(50):
        steps = service.run()
        actions.extend(step.action for step in steps)
        if steps[-1].action == "idle":
            return actions
    raise AssertionError(f"anchoring did not settle: {actions}")


def contract_events(party, contract_id):
    return [AuditEventRecord.get(f"contract:{contract_id}", e["seq"], consistent_read=True)
            for e in party.client.events(contract_id)]


def assert_anchored(ledger: LedgerClient, records) -> None:
    for record in records:
        assert record.anchor_pending is None and record.anchor_proof is not None
        batch = AnchorBatchRecord.get(int(record.anchor_batch))
        on_chain = ledger.anchor_of(bytes.fromhex(batch.root))  # the root from the chain
        proof = InclusionProof.from_json(record.anchor_proof)
        assert on_chain is not None and proof.size == on_chain.count
        assert on_chain.first_seq + proof.index == int(record.anchor_seq)
        assert proof.verifies(bytes.fromhex(record.hash), bytes.fromhex(batch.root))
        # The batch names the transaction that anchored it, even if a crash lost the hash.
        mined = ledger.mined(batch.tx_hash)
        assert mined is not None and mined.succeeded and mined.block_number == batch.block_number
        assert [(log.root, log.first_seq) for log in mined.anchored] == [(batch.root,
                                                                          on_chain.first_seq)]


def total_anchored(ledger: LedgerClient) -> int:
    return sum(int(b.last_seq) - int(b.first_seq) + 1 for b in AnchorBatchRecord.scan(
        AnchorBatchRecord.state == "final"))


def test_events_are_anchored_with_proofs_against_the_on_chain_root(stack, new_party, ledger):
    provider, consumer = new_party("eth"), new_party("ed25519")
    contract = signed_contract(provider, consumer)
    assert "finalized" in drain(anchorer(ledger))
    assert_anchored(ledger, contract_events(provider, contract["id"]))
    assert ledger.next_seq() == total_anchored(ledger)  # consecutive, nothing twice


def crash_once(monkeypatch, owner, name, when=lambda *a, **k: True):
    """Make ``owner.name`` die the first time ``when`` holds (the process "crashes")."""
    real = getattr(owner, name)
    state = {"crashed": False}

    def failing(*args, **kwargs):
        if not state["crashed"] and when(*args, **kwargs):
            state["crashed"] = True
            raise RuntimeError(f"crash in {name}")
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, failing)


@pytest.mark.parametrize("where", ["before sending", "after sending, before recording it",
                                   "half-way through the proofs"])
def test_a_crash_at_any_step_loses_nothing_and_anchors_nothing_twice(
        stack, new_party, ledger, monkeypatch, where):
    provider, consumer = new_party("eth"), new_party("ed25519")
    contract = signed_contract(provider, consumer)
    store = AnchorStore()
    if where == "before sending":
        crash_once(monkeypatch, ledger, "send_anchor")
    elif where == "after sending, before recording it":
        crash_once(monkeypatch, store, "mark", when=lambda batch, state, **_: state == SENT)
    else:
        calls = {"n": 0}

        def third(*_args):
            calls["n"] += 1
            return calls["n"] == 3

        crash_once(monkeypatch, store, "_settle_event", when=third)
    with pytest.raises(RuntimeError, match="crash"):
        drain(anchorer(ledger, store))
    monkeypatch.undo()
    drain(anchorer(ledger))  # a fresh invocation picks up the pieces
    assert_anchored(ledger, contract_events(provider, contract["id"]))
    assert ledger.next_seq() == total_anchored(ledger)


def test_a_vanished_transaction_is_anchored_again(stack, chain, new_party, ledger):
    w3, _ = chain
    provider, consumer = new_party("eth"), new_party("ed25519")
    contract = signed_contract(provider, consumer)
    drain(anchorer(ledger))  # anchor whatever was queued before
    provider.client.transition(contract["id"], "terminate", {"reason": "a new event"})
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    service = anchorer(ledger, confirmations=3)  # not final yet
    assert [s.action for s in service.run()][-1] in {"sent", "waiting"}
    w3.provider.make_request("evm_revert", [snapshot])  # a reorg: the transaction is gone
    w3.provider.make_request("anvil_mine", [3])
    drain(anchorer(ledger, confirmations=1))
    assert_anchored(ledger, contract_events(provider, contract["id"]))
    assert ledger.next_seq() == total_anchored(ledger)


def test_a_reverted_transaction_is_sent_again(stack, new_party, ledger, anchor_services):
    """Out of gas (a gas limit set too low): the transaction is mined but reverts; the next
    run sends the batch again, and with a sane limit it is anchored once."""
    from dataclasses import replace

    provider, consumer = new_party("eth"), new_party("ed25519")
    contract = signed_contract(provider, consumer)
    starved = LedgerClient(replace(ledger.config, gas_limit=30_000),
                           anchor_services.ledger_signer)
    assert [s.action for s in anchorer(starved).run()] == ["sent"]
    assert [s.action for s in anchorer(starved).run()] == ["resent after revert"]
    actions = drain(anchorer(ledger))
    assert actions[0] == "resent after revert" and "finalized" in actions
    assert_anchored(ledger, contract_events(provider, contract["id"]))
    assert ledger.next_seq() == total_anchored(ledger)


def test_while_the_chain_is_down_events_queue_and_catch_up(stack, chain, new_party, ledger,
                                                          anchor_services):
    provider, consumer = new_party("eth"), new_party("ed25519")
    down = LedgerClient(LedgerConfig(rpc_url=f"http://127.0.0.1:{free_port()}",
                                     address=chain[1].address, chain_id=31337, timeout_s=1),
                        anchor_services.ledger_signer)
    contract = signed_contract(provider, consumer)  # the API works without the chain
    with pytest.raises(LedgerUnavailable):
        anchorer(down).run()
    assert all(r.anchor_pending == "pending"
               for r in contract_events(provider, contract["id"]))
    drain(anchorer(ledger))
    assert_anchored(ledger, contract_events(provider, contract["id"]))


def test_an_empty_queue_is_idle(stack, ledger):
    drain(anchorer(ledger))
    assert [s.action for s in anchorer(ledger).run()] == ["idle"]


def test_a_corrupt_contract_does_not_block_anchoring(stack, new_party, ledger):
    import boto3

    provider, consumer = new_party("eth"), new_party("ed25519")
    broken = signed_contract(provider, consumer)
    healthy = signed_contract(provider, consumer)
    boto3.client("dynamodb").update_item(
        TableName="cms-contracts", Key={"contract_id": {"S": broken["id"]}},
        UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "bogus"}})
    drain(anchorer(ledger))
    assert_anchored(ledger, contract_events(provider, healthy["id"]))
    # Its events are anchored too (read from the table: the API answers corrupt_record).
    assert_anchored(ledger, list(AuditEventRecord.query(f"contract:{broken['id']}",
                                                        consistent_read=True)))
