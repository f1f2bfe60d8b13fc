"""ContractLedger over any EVM JSON-RPC endpoint (web3).

Every write is first simulated with eth_call, so a refusal comes back as the contract's own
error name (``AlreadyAnchored``, ``OutOfOrder``…) before any gas is spent; transactions are
EIP-1559 with the configured gas limit and the pending nonce; RPC failures are
``LedgerUnavailable`` (the API keeps working and anchoring catches up later).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from web3 import Web3
from web3.exceptions import (
    ContractCustomError,
    ContractLogicError,
    TransactionNotFound,
    Web3Exception,
)

from cms.adapters.eth_signers import TransactionSigner
from cms.adapters.ledger_abi import artifact
from cms.adapters.ledger_config import LedgerConfig
from cms.domain.errors import LedgerMisconfigured, LedgerRejected, LedgerUnavailable
from cms.domain.receipts import ChainTransaction, MinedAnchor

__all__ = ["LedgerClient", "LedgerConfig", "LedgerMisconfigured", "LedgerRejected",
           "LedgerUnavailable"]


@dataclass(frozen=True)
class AnchorRecord:
    block_number: int
    first_seq: int
    last_seq: int
    count: int


@dataclass(frozen=True)
class StatusSlot:
    status: int
    seq: int
    updated_at: int
    head_hash: bytes


@dataclass(frozen=True)
class TxOutcome:
    tx_hash: str
    block_number: int
    succeeded: bool
    gas_used: int


class LedgerClient:
    def __init__(self, config: LedgerConfig, signer: TransactionSigner | None = None) -> None:
        """Without a signer the client only reads (e.g. a receipt verifier)."""
        self.config = config
        self._signer = signer
        self._w3 = Web3(Web3.HTTPProvider(config.rpc_url,
                                          request_kwargs={"timeout": config.timeout_s}))
        self._contract = self._w3.eth.contract(address=to_checksum_address(config.address),
                                               abi=artifact()["abi"])
        self._errors = _error_decoders(artifact()["abi"])
        self._anchored = self._contract.events.Anchored()
        self._anchored_topic = str(self._anchored.topic).lower()  # "0x…"
        self._send_lock = threading.Lock()

    @property
    def signer(self) -> TransactionSigner:
        if self._signer is None:
            raise LedgerMisconfigured("this ledger client is read-only: no signer configured")
        return self._signer

    # ---------------------------------------------------------------- reads

    def check(self) -> None:
        """Refuse to work against the wrong chain or an address without the contract."""
        chain_id = self.chain_id()
        if chain_id != self.config.chain_id:
            raise LedgerMisconfigured(
                f"the RPC endpoint serves chain {chain_id}, not {self.config.chain_id}")
        if not self.code():
            raise LedgerMisconfigured(f"no contract code at {self._contract.address}")

    def chain_id(self) -> int:
        return self._rpc(lambda: self._w3.eth.chain_id)

    def code(self) -> bytes:
        return bytes(self._rpc(lambda: self._w3.eth.get_code(self._contract.address)))

    def next_seq(self) -> int:
        return self._rpc(lambda: self._contract.functions.nextSeq().call())

    def anchor_of(self, root: bytes) -> AnchorRecord | None:
        block, first, last, count = self._rpc(
            lambda: self._contract.functions.anchorOf(root).call())
        return AnchorRecord(block, first, last, count) if block else None

    def status_of(self, contract_id: str) -> StatusSlot | None:
        status, seq, updated_at, head = self._rpc(
            lambda: self._contract.functions.statusOf(contract_id).call())
        return StatusSlot(status, seq, updated_at, head) if updated_at else None

    def balance(self) -> int:
        return self.balance_of(self.signer.address)

    def balance_of(self, address: str) -> int:
        """An account's balance, in wei (the health check asks for the signer's by address:
        it holds no signer)."""
        return self._rpc(lambda: self._w3.eth.get_balance(to_checksum_address(address)))

    def block_number(self) -> int:
        return self._rpc(lambda: self._w3.eth.block_number)

    def outcome(self, tx_hash: str) -> TxOutcome | None:
        """The mined result, or None while pending or if the transaction vanished (reorg)."""
        try:
            receipt = self._rpc(lambda: self._w3.eth.get_transaction_receipt(tx_hash))
        except TransactionNotFound:
            return None
        return TxOutcome(tx_hash, receipt.blockNumber, receipt.status == 1, receipt.gasUsed)

    def mined(self, tx_hash: str) -> ChainTransaction | None:
        """A mined transaction with the ``Anchored`` events it emitted (from any address: the
        caller decides which emitter counts), or None if the chain does not have it."""
        try:
            receipt = self._rpc(lambda: self._w3.eth.get_transaction_receipt(tx_hash))
        except TransactionNotFound:
            return None
        anchored = tuple(decoded for log in receipt.logs
                         if (decoded := self._decode_anchored(log)) is not None)
        return ChainTransaction(receipt.blockNumber, receipt.status == 1, receipt.get("to"),
                                anchored)

    def anchoring_tx(self, root: bytes, block_number: int) -> str | None:
        """The transaction that anchored ``root`` in ``block_number``, found by its log: how a
        batch whose transaction hash was lost in a crash gets it back."""
        logs = self._rpc(lambda: self._w3.eth.get_logs({
            "address": self._contract.address, "fromBlock": block_number,
            "toBlock": block_number, "topics": [self._anchored_topic, Web3.to_hex(root)]}))
        return Web3.to_hex(logs[0].transactionHash) if logs else None

    def _decode_anchored(self, log: Any) -> MinedAnchor | None:
        if not log.topics or Web3.to_hex(log.topics[0]).lower() != self._anchored_topic:
            return None
        try:
            args = self._anchored.process_log(log).args
        except (Web3Exception, DecodingError):
            return None  # same topic, other layout: some other contract's event
        return MinedAnchor(to_checksum_address(log.address), args.root.hex(), args.firstSeq,
                           args.lastSeq, args["count"])

    def known(self, tx_hash: str) -> bool:
        """Whether the node still knows the transaction (pending or mined); False once it
        has vanished, e.g. dropped from the mempool or reorganised out."""
        try:
            self._rpc(lambda: self._w3.eth.get_transaction(tx_hash))
        except TransactionNotFound:
            return False
        return True

    def confirmations(self, outcome: TxOutcome) -> int:
        return max(0, self.block_number() - outcome.block_number + 1)

    # ---------------------------------------------------------------- writes

    def send_anchor(self, root: bytes, first_seq: int, last_seq: int, count: int) -> str:
        return self._send(self._contract.functions.anchor(root, first_seq, last_seq, count))

    def send_status(self, contract_id: str, status: int, seq: int, head_hash: bytes) -> str:
        return self._send(self._contract.functions.setStatus(contract_id, status, seq,
                                                             head_hash))

    def send_record_event(self, contract_id: str, event_type: str, data: str) -> str:
        return self._send(self._contract.functions.recordEvent(contract_id, event_type, data))

    def _send(self, call: Any) -> str:
        sender = self.signer.address
        with self._send_lock:  # one nonce at a time from this client
            self._rpc(lambda: call.call({"from": sender}))  # a refusal costs no gas
            nonce = self._rpc(lambda: self._w3.eth.get_transaction_count(sender, "pending"))
            base_fee = self._rpc(lambda: self._w3.eth.get_block("latest")).get(
                "baseFeePerGas", 0)
            tip = self._rpc(lambda: self._w3.eth.max_priority_fee)
            transaction = call.build_transaction({
                "from": sender, "nonce": nonce, "gas": self.config.gas_limit,
                "chainId": self.config.chain_id, "maxPriorityFeePerGas": tip,
                "maxFeePerGas": 2 * base_fee + tip})
            raw = self.signer.sign_transaction(transaction)
            return "0x" + self._rpc(
                lambda: self._w3.eth.send_raw_transaction(raw)).hex().removeprefix("0x")

    def _rpc(self, request: Any) -> Any:
        try:
            return request()
        except ContractCustomError as error:
            raise self._rejection(str(error.data)) from error
        except ContractLogicError as error:
            raise LedgerRejected(str(error.message or "reverted"), []) from error
        except TransactionNotFound:
            raise
        except (Web3Exception, OSError, ValueError) as error:
            # web3 raises ValueError for JSON-RPC error objects (e.g. nonce too low).
            raise LedgerUnavailable(f"JSON-RPC call failed: {type(error).__name__}") from error

    def _rejection(self, data: str) -> LedgerRejected:
        payload = bytes.fromhex(data.removeprefix("0x"))
        name, types = self._errors.get(payload[:4], ("unknown error", []))
        arguments = list(abi_decode(types, payload[4:])) if types else []
        return LedgerRejected(name, [a.hex() if isinstance(a, bytes) else a for a in arguments])


def _error_decoders(abi: list[dict[str, Any]]) -> dict[bytes, tuple[str, list[str]]]:
    decoders = {}
    for entry in abi:
        if entry["type"] == "error":
            types = [item["type"] for item in entry["inputs"]]
            selector = function_signature_to_4byte_selector(f"{entry['name']}({','.join(types)})")
            decoders[selector] = (entry["name"], types)
    return decoders
