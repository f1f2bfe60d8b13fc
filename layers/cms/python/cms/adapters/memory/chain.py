"""A chain in memory (the port: cms.ports.ledger.ChainReads): the ledger deployed at its
address, blocks, balances; ``failure`` stands for an endpoint that fails every call."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class MemoryChainConfig:
    chain_id: int
    address: str
    confirmations: int = 1
    rpc_url: str = "memory://chain"


@dataclass
class MemoryChain:
    chain_id: int
    address: str
    block: int = 1
    default_balance_wei: int = 10**18
    balances: dict[str, int] = field(default_factory=dict)
    serves_chain_id: int | None = None  # another chain than configured: a wrong endpoint
    failure: Exception | None = None

    @property
    def config(self) -> MemoryChainConfig:
        return MemoryChainConfig(self.chain_id, self.address)

    def check(self) -> None:
        from cms.domain.errors import LedgerMisconfigured

        self._answer()
        served = self.serves_chain_id if self.serves_chain_id is not None else self.chain_id
        if served != self.chain_id:
            raise LedgerMisconfigured(f"the RPC endpoint serves chain {served}, not "
                                      f"{self.chain_id}")

    def block_number(self) -> int:
        self._answer()
        return self.block

    def balance_of(self, address: str) -> int:
        self._answer()
        return self.balances.get(address.lower(), self.default_balance_wei)

    def _answer(self) -> None:
        if self.failure is not None:
            raise self.failure
