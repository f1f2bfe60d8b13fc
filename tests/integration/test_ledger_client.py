"""The ledger adapter against a real EVM node (anvil): checks, writes, refusals, faults, and
both signers (Secrets Manager key; KMS secp256k1)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import boto3
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from web3 import Web3

from cms.adapters.eth_signers import KmsSigner, SecretKeySigner
from cms.adapters.ledger_abi import artifact
from cms.adapters.ledger_client import (
    LedgerClient,
    LedgerConfig,
    LedgerMisconfigured,
    LedgerRejected,
    LedgerUnavailable,
)
from local_stack.anvil import Anvil
from local_stack.stack import free_port

# anvil's well-known development account #1 (public test key, funded on every anvil start).
RECORDER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
ROOT = b"\x42" * 32


@pytest.fixture(scope="module")
def node() -> Iterator[tuple[Anvil, Web3, str]]:
    anvil = Anvil(free_port()).start()
    w3 = Web3(Web3.HTTPProvider(anvil.url))
    owner = w3.eth.accounts[0]
    compiled = artifact()
    deploy = w3.eth.contract(abi=compiled["abi"], bytecode=compiled["bytecode"])
    address = w3.eth.wait_for_transaction_receipt(
        deploy.constructor().transact({"from": owner})).contractAddress
    ledger = w3.eth.contract(address=address, abi=compiled["abi"])
    recorder = SecretKeySigner(RECORDER_KEY).address
    w3.eth.wait_for_transaction_receipt(
        ledger.functions.setRecorder(recorder, True).transact({"from": owner}))
    yield anvil, w3, address
    anvil.stop()


def client(node, signer=None, **overrides) -> LedgerClient:
    anvil, _, address = node
    config = LedgerConfig(**{"rpc_url": anvil.url, "address": address, "chain_id": 31337,
                             **overrides})
    return LedgerClient(config, signer or SecretKeySigner(RECORDER_KEY))


def mined(ledger: LedgerClient, tx_hash: str):
    Web3(Web3.HTTPProvider(ledger.config.rpc_url)).eth.wait_for_transaction_receipt(tx_hash)
    return ledger.outcome(tx_hash)


def test_anchor_round_trip(node):
    ledger = client(node)
    ledger.check()
    first = ledger.next_seq()
    outcome = mined(ledger, ledger.send_anchor(ROOT, first, first + 2, 3))
    assert outcome.succeeded and ledger.confirmations(outcome) >= 1
    record = ledger.anchor_of(ROOT)
    assert (record.block_number, record.first_seq, record.count) == (
        outcome.block_number, first, 3)
    assert ledger.next_seq() == first + 3 and ledger.anchor_of(b"\x01" * 32) is None
    assert ledger.balance() > 0


def test_refusals_are_named_and_cost_nothing(node):
    ledger = client(node)
    _, w3, _ = node
    first = ledger.next_seq()
    mined(ledger, ledger.send_anchor(b"\x43" * 32, first, first, 1))
    nonce = w3.eth.get_transaction_count(ledger.signer.address)
    with pytest.raises(LedgerRejected) as refused:
        ledger.send_anchor(b"\x43" * 32, first + 1, first + 1, 1)
    assert refused.value.error == "AlreadyAnchored" and refused.value.arguments == ["43" * 32]
    with pytest.raises(LedgerRejected) as refused:
        ledger.send_anchor(b"\x44" * 32, first + 5, first + 5, 1)
    assert refused.value.error == "OutOfOrder"
    assert refused.value.arguments == [first + 1, first + 5]
    assert w3.eth.get_transaction_count(ledger.signer.address) == nonce  # nothing was sent


def test_status_slots_through_the_client(node):
    ledger = client(node)
    mined(ledger, ledger.send_status("contract-9", 2, 4, b"\x0a" * 32))
    slot = ledger.status_of("contract-9")
    assert (slot.status, slot.seq, slot.head_hash) == (2, 4, b"\x0a" * 32)
    assert ledger.status_of("never-recorded") is None


def test_out_of_gas_is_a_failed_outcome(node):
    ledger = client(node, gas_limit=30_000)
    first = ledger.next_seq()
    outcome = mined(ledger, ledger.send_anchor(b"\x45" * 32, first, first, 1))
    assert not outcome.succeeded and client(node).anchor_of(b"\x45" * 32) is None


def test_wrong_chain_missing_code_and_unreachable_rpc(node):
    with pytest.raises(LedgerMisconfigured, match="chain 31337, not 1"):
        client(node, chain_id=1).check()
    with pytest.raises(LedgerMisconfigured, match="no contract code"):
        client(node, address="0x000000000000000000000000000000000000dEaD").check()
    unreachable = client(node, rpc_url=f"http://127.0.0.1:{free_port()}", timeout_s=1)
    with pytest.raises(LedgerUnavailable):
        unreachable.next_seq()
    with pytest.raises(LedgerUnavailable):
        unreachable.send_anchor(ROOT, 0, 0, 1)


# The AWS parts use the local stack's moto server (`stack`), never an in-process mock: that
# would intercept the stack's own handlers running in this process.
def test_the_signing_key_comes_from_secrets_manager(stack):
    secrets = boto3.client("secretsmanager")
    suffix = os.urandom(4).hex()
    secrets.create_secret(Name=f"ledger/plain-{suffix}", SecretString=RECORDER_KEY)
    secrets.create_secret(Name=f"ledger/json-{suffix}",
                          SecretString=f'{{"private_key": "{RECORDER_KEY}"}}')
    expected = SecretKeySigner(RECORDER_KEY).address
    assert SecretKeySigner.from_secret(f"ledger/plain-{suffix}").address == expected
    assert SecretKeySigner.from_secret(f"ledger/json-{suffix}").address == expected


class CryptographyKms:
    """KMS's GetPublicKey/Sign for one secp256k1 key, computed with `cryptography`.

    moto cannot stand in here: it hashes DIGEST messages again, so its signatures are over
    the wrong value (the test below shows KmsSigner refusing them)."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256K1())

    def get_public_key(self, KeyId: str) -> dict:  # noqa: N803 - boto3's argument names
        return {"PublicKey": self.key.public_key().public_bytes(
            Encoding.DER, PublicFormat.SubjectPublicKeyInfo)}

    def sign(self, KeyId: str, Message: bytes, MessageType: str, SigningAlgorithm: str) -> dict:  # noqa: N803
        assert MessageType == "DIGEST" and SigningAlgorithm == "ECDSA_SHA_256"
        return {"Signature": self.key.sign(Message, ec.ECDSA(Prehashed(hashes.SHA256())))}


def test_a_kms_key_signs_real_ledger_transactions(node):
    _, w3, address = node
    kms = KmsSigner("alias/ledger", client=CryptographyKms())
    owner = w3.eth.accounts[0]
    ledger_contract = w3.eth.contract(address=address, abi=artifact()["abi"])
    w3.eth.wait_for_transaction_receipt(
        ledger_contract.functions.setRecorder(kms.address, True).transact({"from": owner}))
    w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction(
        {"from": owner, "to": kms.address, "value": Web3.to_wei(1, "ether")}))
    ledger = client(node, signer=kms)
    for _ in range(3):  # several signatures: both recovery ids and high-s normalisation occur
        first = ledger.next_seq()
        outcome = mined(ledger, ledger.send_anchor(os.urandom(32), first, first, 1))
        assert outcome.succeeded


def test_moto_kms_digest_signatures_are_refused_not_trusted(stack):
    kms = boto3.client("kms")
    key = kms.create_key(KeySpec="ECC_SECG_P256K1", KeyUsage="SIGN_VERIFY")
    signer = KmsSigner(key["KeyMetadata"]["KeyId"], client=kms)
    with pytest.raises(ValueError, match="does not recover"):
        signer.sign_digest(b"\x01" * 32)
