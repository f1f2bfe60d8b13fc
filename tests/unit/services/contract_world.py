"""What the contract service tests share: parties with real keys, a clock the test moves,
the services on in-memory stores, and anchoring done in memory as the anchor function does."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cms.bootstrap import MemoryServices
from cms.config import Settings
from cms.domain.anchoring import FINAL, SIGNIFICANT, STATUS_CODES, prepare
from cms.domain.canonical import iso_utc
from cms.domain.contracts import Content, Contract
from cms.domain.identity import Caller
from cms.domain.verification import ChainAnchor, ChainSlot
from cms.services.contracts import ContractService
from cms_client import Ed25519Signer, EthereumSigner

CHAIN_ID = 31337


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Party:
    signer: EthereumSigner | Ed25519Signer
    roles: frozenset[str] = frozenset()

    @property
    def did(self) -> str:
        return self.signer.did

    @property
    def caller(self) -> Caller:
        return Caller(self.did, self.roles)


def eth_party(**options: Any) -> Party:
    return Party(EthereumSigner(chain_id=CHAIN_ID), **options)


def ed_party(**options: Any) -> Party:
    return Party(Ed25519Signer(), **options)


class World:
    """MemoryServices whose contract service runs on ``clock``."""

    def __init__(self, **settings: Any) -> None:
        self.clock = Clock()
        self.services = MemoryServices(Settings(chain_id=CHAIN_ID, **settings))
        s = self.services
        contracts = ContractService(s.contract_store, s.resolver, s.settings, clock=self.clock,
                                    anchors=s.anchor_reader, drafting=lambda: s.drafting)
        s.__dict__["contracts"] = contracts  # what every other service is wired to
        self.contracts = contracts
        self.store = s.contract_store
        self.parties: dict[str, Party] = {}

    def content(self, provider: Party, consumer: Party, **changes: Any) -> Content:
        now = self.clock.now
        fields = {"title": "Training data licence", "description": "DP training",
                  "provider_did": provider.did, "consumer_did": consumer.did,
                  "terms": {"purpose": "training", "epsilon": 3.0}, "metadata": {},
                  "valid_from": iso_utc(now - timedelta(minutes=1)),
                  "valid_until": iso_utc(now + timedelta(days=30)), **changes}
        return Content(**fields)

    def draft(self, provider: Party, consumer: Party, **changes: Any) -> Contract:
        self.parties |= {provider.did: provider, consumer.did: consumer}
        return self.contracts.create(provider.caller,
                                     self.content(provider, consumer, **changes))

    def enrol(self, who: Party | str) -> None:
        """Register the identity of a party (or of a party to a draft, by DID) as it must be
        to hold a token, once: what needs it (an upload's arrival) asks for it, so that other
        tests' audit trails hold only their contracts' events."""
        party = self.parties.get(who) if isinstance(who, str) else who
        if party is not None and self.services.identity_store.profile(party.did) is None:
            self.services.auth.register(party.did, party.signer.public_key,
                                        source_ip="192.0.2.1")

    def sign(self, party: Party, contract_id: str) -> Contract:
        payload = self.contracts.signing_payload(party.caller, contract_id)
        signature = party.signer.sign_contract(asdict(payload))
        return self.contracts.sign(party.caller, contract_id, signature, None)

    def signed(self, provider: Party, consumer: Party, **changes: Any) -> Contract:
        contract = self.draft(provider, consumer, **changes)
        self.contracts.submit(provider.caller, contract.id)
        self.sign(provider, contract.id)
        return self.sign(consumer, contract.id)

    def active(self, provider: Party, consumer: Party) -> Contract:
        contract = self.signed(provider, consumer)
        return self.contracts.activate(provider.caller, contract.id)

    def anchor_all(self) -> None:
        """One batch of every queued event, final on the in-memory ledger, and the status
        slots of the contracts whose head it holds, as the anchor function records them."""
        batches, ledger = self.services.anchor_batches, self.services.memory_ledger
        pending = batches.pending(10_000)
        if not pending:
            return
        last = batches.last_final()
        batch = prepare(last.last_seq + 1 if last else 0, pending)
        batches.create(batch)
        block = batch.first_seq + 1
        ledger.record_anchor(batch.root, ChainAnchor(block, batch.first_seq, batch.count))
        final = batches.mark(batch, FINAL, tx_hash="0x" + uuid.uuid4().hex * 2,
                             block_number=block)
        batches.settle(final)
        heads = {e.stream: e for e in batch.events if e.stream.startswith("contract:")}
        for stream, head in heads.items():
            state = self.store.head_state(stream.removeprefix("contract:"))
            if state and state[1] == head.seq and state[0] in SIGNIFICANT:
                ledger.record_status(stream.removeprefix("contract:"),
                                     ChainSlot(STATUS_CODES[state[0]], head.seq, head.hash))
