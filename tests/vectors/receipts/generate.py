"""Writes the static receipt vectors: receipts made with the platform's own domain code (fixed
keys, fixed times, so regenerating gives the same bytes), the on-chain state they prove
against, and what the Python verifier says of each tampered copy. The TypeScript verifier's
unit tests (sdk/typescript/test/receipts/vectors.test.ts) must say the same, check by check.

    PYTHONPATH=layers/cms/python:client:. .venv/bin/python tests/vectors/receipts/generate.py
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from nacl.signing import SigningKey

from cms.adapters.ledger_view import ledger_runtime_code
from cms.domain.anchoring import STATUS_CODES, Batch, PendingEvent, Placement, prepare
from cms.domain.audit import GENESIS_HASH, AuditEvent, seal
from cms.domain.canonical import canonical_json
from cms.domain.contracts.content import content_digest
from cms.domain.contracts.evolution import replay
from cms.domain.did import DidDocument, did_key_from_ed25519, parse_did
from cms.domain.did.methods import resolve_local
from cms.domain.receipts import (
    ChainTransaction,
    MinedAnchor,
    TrustedLedger,
    build_receipt,
    verify_receipt,
)
from cms.domain.signatures import contract_signing_payload, recordable
from cms.domain.verification import ChainAnchor, ChainSlot
from tests.vectors.receipt_tampering import TAMPERINGS, UNPINNED, UNPINNED_TAMPERED

HERE = Path(__file__).resolve().parent
CHAIN_ID = 31337
LEDGER = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
ETH_KEY = "0x" + "11" * 32
ED25519_SEED = bytes([7] * 32)
WEB_DID = "did:web:parties.example.com:consumer"


@dataclass(frozen=True)
class Party:
    did: str
    document: dict[str, Any]
    sign: Any  # (signing payload) -> signature text
    method: str
    scheme: str


def eth_party(did_method: str) -> Party:
    account = Account.from_key(ETH_KEY)
    did = (f"did:pkh:eip155:{CHAIN_ID}:{account.address}" if did_method == "pkh"
           else f"did:ethr:0x7a69:{account.address}")
    document = resolve_local(parse_did(did))

    def sign(payload: dict[str, Any]) -> str:
        typed = encode_typed_data(full_message=payload["typed_data"])
        return "0x" + account.sign_message(typed).signature.hex()

    return Party(did, recordable(document), sign, document.assertion_method[0], "eip712")


def ed25519_party(web: bool) -> Party:
    key = SigningKey(ED25519_SEED)
    public = bytes(key.verify_key)
    if web:  # a did:web document as published, with a JSON Web Key (parsed, then normal form)
        from base64 import urlsafe_b64encode
        x = urlsafe_b64encode(public).decode().rstrip("=")
        document = DidDocument.from_json({
            "id": WEB_DID, "verificationMethod": [{
                "id": "#key-1", "type": "JsonWebKey2020", "controller": WEB_DID,
                "publicKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": x}}],
            "authentication": ["#key-1"], "assertionMethod": ["#key-1"]}, WEB_DID)
    else:
        document = resolve_local(parse_did(did_key_from_ed25519(public)))

    def sign(payload: dict[str, Any]) -> str:
        return key.sign(payload["message"].encode("utf-8")).signature.hex()

    return Party(document.id, recordable(document), sign, document.assertion_method[0],
                 "ed25519-prefixed-digest")


def history(contract_id: str, provider: Party, consumer: Party) -> list[AuditEvent]:
    content = {"title": "Data licence", "description": "Vectors for the receipt verifiers",
               "provider_did": provider.did, "consumer_did": consumer.did,
               "terms": {"purpose": "model training", "fee_eur": 1200}, "metadata": {},
               "valid_from": "2026-01-01T00:00:00.000Z", "valid_until": "2027-01-01T00:00:00.000Z"}
    events: list[AuditEvent] = []

    def add(event_type: str, actor: str, data: dict[str, Any]) -> None:
        seq = len(events)
        events.append(seal(stream=f"contract:{contract_id}", seq=seq,
                           prev_hash=events[-1].hash if events else GENESIS_HASH,
                           event_id=f"00000000-0000-4000-8000-{seq:012d}", event_type=event_type,
                           actor=actor, at=f"2026-01-01T00:0{seq}:00.000Z", data=data))

    add("contract.created", provider.did, {"content": content})
    digest = content_digest(contract_id, replay(events).content)
    add("contract.submitted", provider.did, {"digest": digest,
                                             "signing_deadline": "2026-06-01T00:00:00.000Z"})
    for party, role in ((provider, "provider"), (consumer, "consumer")):
        payload = contract_signing_payload(contract_id=contract_id, digest_hex=digest,
                                           signer_did=party.did, chain_id=CHAIN_ID)
        signature = {"signer_did": party.did, "role": role, "verification_method": party.method,
                     "scheme": party.scheme, "signature": party.sign(payload), "digest": digest,
                     "signed_at": f"2026-01-01T00:0{len(events)}:00.000Z", "chain_id": CHAIN_ID}
        add("contract.signed", party.did, {"signature": signature, "did_document": party.document})
    add("contract.activated", consumer.did, {})
    return events


def anchored(contract_id: str, events: list[AuditEvent]) -> tuple[bytes, dict[str, Any]]:
    """The receipt, with events 0-2 and 3-4 in two batches, and the chain that holds them."""
    pending = [PendingEvent(e.stream, e.seq, e.hash) for e in events]
    batches, placed, chain = {}, [], {"chain_id": CHAIN_ID, "block_number": 40, "anchors": {},
                                      "transactions": {}, "statuses": {}}
    for first_seq, part, block in ((100, pending[:3], 10), (103, pending[3:], 12)):
        tx_hash = "0x" + f"{block:064x}"
        batch = prepare(first_seq, part)
        batches[first_seq] = Batch(batch.first_seq, batch.root, batch.events, "final", tx_hash,
                                   block)
        placed += [Placement(first_seq, seq, proof) for _, seq, proof in batch.placement()]
        chain["anchors"][batch.root] = {"block_number": block, "first_seq": first_seq,
                                        "count": len(part)}
        chain["transactions"][tx_hash] = {"block_number": block, "succeeded": True, "to": LEDGER,
                                          "anchored": [{"emitter": LEDGER, "root": batch.root,
                                                        "first_seq": first_seq,
                                                        "last_seq": batch.last_seq,
                                                        "count": len(part)}]}
    contract = replay(events)
    chain["statuses"][contract_id] = {"status": STATUS_CODES[contract.status.value],
                                      "seq": len(events) - 1, "head_hash": events[-1].hash}
    receipt = build_receipt(contract, list(zip(events, placed, strict=True)), batches,
                            chain_id=CHAIN_ID, address=LEDGER)
    return canonical_json(receipt), chain


class MemoryChain:
    """A ChainView over recorded chain state (the TypeScript tests build the same one)."""

    def __init__(self, state: dict[str, Any], address: str) -> None:
        self.state, self.address = state, address

    def chain_id(self) -> int:
        return self.state["chain_id"]

    def block_number(self) -> int:
        return self.state["block_number"]

    def code(self) -> bytes:
        return ledger_runtime_code() if self.address == LEDGER else b""

    def anchor_of(self, root: str) -> ChainAnchor | None:
        found = self.state["anchors"].get(root)
        return found and ChainAnchor(found["block_number"], found["first_seq"], found["count"])

    def transaction(self, tx_hash: str) -> ChainTransaction | None:
        found = self.state["transactions"].get(tx_hash)
        return found and ChainTransaction(
            found["block_number"], found["succeeded"], found["to"],
            tuple(MinedAnchor(a["emitter"], a["root"], a["first_seq"], a["last_seq"], a["count"])
                  for a in found["anchored"]))

    def status_of(self, contract_id: str) -> ChainSlot | None:
        found = self.state["statuses"].get(contract_id)
        return found and ChainSlot(found["status"], found["seq"], found["head_hash"])


def verdict(report: Any) -> dict[str, Any]:
    return {"valid": report.valid, "incomplete": report.incomplete is not None,
            "checks": [[check.name, check.ok] for check in report.checks]}


def main() -> None:
    pin = f"{CHAIN_ID}:{LEDGER}"
    sets = {"pkh-key": ("c0ffee00-0000-4000-8000-000000000001", eth_party("pkh"),
                        ed25519_party(web=False), TAMPERINGS),
            "ethr-web": ("c0ffee00-0000-4000-8000-000000000002", eth_party("ethr"),
                         ed25519_party(web=True),
                         {k: TAMPERINGS[k] for k in ("valid", "signature_altered",
                                                     "signature_by_other_key")})}
    manifest: dict[str, Any] = {"ledger": pin, "chains": {}, "vectors": []}
    for set_name, (contract_id, provider, consumer, tamperings) in sets.items():
        raw, chain = anchored(contract_id, history(contract_id, provider, consumer))
        manifest["chains"][set_name] = chain
        cases = [(name, tamper(raw), pin) for name, tamper in tamperings.items()]
        cases.append((UNPINNED, raw, None))
        cases.append((UNPINNED_TAMPERED, TAMPERINGS["signature_altered"](raw), None))
        for name, data, trusted in cases:
            file = f"{set_name}.{name}.receipt"
            (HERE / file).write_bytes(data)
            report = verify_receipt(data, lambda r, c=chain: MemoryChain(c, r.address),
                                    ledger_runtime_code(),
                                    TrustedLedger.parse(trusted) if trusted else None)
            manifest["vectors"].append({"name": f"{set_name}/{name}", "file": file,
                                        "chain": set_name, "trusted": trusted,
                                        "expected": verdict(report)})
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    valid = [v["name"] for v in manifest["vectors"] if v["expected"]["valid"]]
    print(f"wrote {len(manifest['vectors'])} vectors to {HERE}; valid: {valid}", file=sys.stderr)


if __name__ == "__main__":
    main()
