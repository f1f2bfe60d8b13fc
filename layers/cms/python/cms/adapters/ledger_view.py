"""The chain as a receipt verifier sees it: a read-only LedgerClient at the receipt's ledger,
answering in domain types. Used by the offline verifier (``cms verify-receipt``)."""

from __future__ import annotations

from collections.abc import Callable

from cms.adapters.ledger_abi import artifact
from cms.adapters.ledger_client import LedgerClient
from cms.adapters.ledger_config import LedgerConfig
from cms.domain.receipts import ChainTransaction, Receipt
from cms.domain.verification import ChainAnchor, ChainSlot


class LedgerView:
    def __init__(self, client: LedgerClient) -> None:
        self._client = client

    @classmethod
    def connector(cls, rpc_url: str, timeout_s: float = 10.0) -> Callable[[Receipt], LedgerView]:
        """Opens the receipt's own ledger address through ``rpc_url``, an endpoint the
        verifier chooses (its own node, or a provider it trusts)."""
        def connect(receipt: Receipt) -> LedgerView:
            return cls(LedgerClient(LedgerConfig(rpc_url=rpc_url, address=receipt.address,
                                                 chain_id=receipt.chain_id,
                                                 timeout_s=timeout_s)))
        return connect

    def chain_id(self) -> int:
        return self._client.chain_id()

    def block_number(self) -> int:
        return self._client.block_number()

    def code(self) -> bytes:
        return self._client.code()

    def anchor_of(self, root: str) -> ChainAnchor | None:
        record = self._client.anchor_of(bytes.fromhex(root))
        return None if record is None else ChainAnchor(record.block_number, record.first_seq,
                                                       record.count)

    def transaction(self, tx_hash: str) -> ChainTransaction | None:
        return self._client.mined(tx_hash)

    def status_of(self, contract_id: str) -> ChainSlot | None:
        slot = self._client.status_of(contract_id)
        return None if slot is None else ChainSlot(slot.status, slot.seq, slot.head_hash.hex())


def ledger_runtime_code() -> bytes:
    """ContractLedger's runtime bytecode as compiled (the committed artifact)."""
    return bytes.fromhex(artifact()["deployedBytecode"].removeprefix("0x"))
