"""Verification report for a contract: is what we store consistent with what was signed?

Each check has a stable name so a reader (or a test) can see exactly what broke:
``audit_chain`` and ``audit_chain.event[N]``, ``history``, ``snapshot.<field>``, ``digest``
and ``signature:<did>``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cms.domain.anchoring import STATUS_CODES, Placement
from cms.domain.audit import AuditEvent, chain_problems
from cms.domain.canonical import canonical_json
from cms.domain.contracts.content import content_digest
from cms.domain.contracts.errors import InvalidHistory
from cms.domain.contracts.evolution import replay
from cms.domain.contracts.model import Contract, Signature
from cms.domain.did.document import DidDocument
from cms.domain.did.methods import resolve_local
from cms.domain.did.syntax import parse_did
from cms.domain.errors import DomainError
from cms.domain.merkle import InclusionProof
from cms.domain.signatures import scheme_of, verify_contract_signature


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


# Returns None when the signature is valid, else the reason it is not.
SignatureChecker = Callable[[Contract, Signature], str | None]


def verify_contract(
    stored: Contract, events: list[AuditEvent], check_signature: SignatureChecker
) -> list[Check]:
    checks = chain_checks(stored.stream, stored.head_hash, events)
    replayed, history_check = replay_check(events)
    checks.append(history_check)
    if replayed is not None:
        checks.extend(_snapshot_checks(stored, replayed))
    checks.append(digest_check(stored))
    checks.extend(signature_checks(stored, check_signature))
    return checks


def verify_unreadable(stream: str, events: list[AuditEvent], fields: list[str]) -> list[Check]:
    """The report for a snapshot whose stored fields cannot even be decoded."""
    checks = chain_checks(stream, None, events)
    checks.append(replay_check(events)[1])
    checks.extend(Check(f"snapshot.{name}", False,
                        "the stored value cannot be read: it was changed outside the API")
                  for name in fields)
    return checks


def chain_checks(stream: str, head_hash: str | None, events: list[AuditEvent]) -> list[Check]:
    problems = chain_problems(events, stream)
    checks = [Check(f"audit_chain.event[{p.seq}]", False, p.detail) for p in problems]
    if head_hash is not None and events and events[-1].hash != head_hash:
        checks.append(Check("audit_chain.head", False,
                            f"the contract's head hash {head_hash} is not the last "
                            f"event's hash {events[-1].hash} (events missing or added)"))
    summary = (f"{len(events)} events, hashes and links intact" if not checks
               else f"{len(checks)} problem(s) in {len(events)} events")
    return [Check("audit_chain", not checks, summary), *checks]


def replay_check(events: list[AuditEvent]) -> tuple[Contract | None, Check]:
    try:
        replayed = replay(events)
    except (InvalidHistory, KeyError, TypeError, ValueError) as error:
        return None, Check("history", False, f"the events do not form a valid lifecycle: {error}")
    if replayed is None:
        return None, Check("history", False, "the contract has no events")
    return replayed, Check("history", True, "every event is a legal lifecycle step")


def _snapshot_fields(contract: Contract) -> dict[str, Any]:
    return {
        **contract.content.to_json(),
        "status": contract.status.value,
        "digest": contract.digest,
        "signatures": [s.to_json() for s in contract.signatures],
        "created_at": contract.created_at,
        "updated_at": contract.updated_at,
        "version": contract.version,
        "head_hash": contract.head_hash,
        "signing_deadline": contract.signing_deadline,
    }


def _snapshot_checks(stored: Contract, replayed: Contract) -> list[Check]:
    expected, actual = _snapshot_fields(replayed), _snapshot_fields(stored)
    mismatches = [
        Check(f"snapshot.{name}", False,
              f"stored value {actual[name]!r} differs from the audit history's {value!r}")
        for name, value in expected.items() if actual[name] != value
    ]
    if mismatches:
        return mismatches
    return [Check("snapshot", True, "every stored field equals the replayed audit history")]


def digest_check(stored: Contract) -> Check:
    recomputed = content_digest(stored.id, stored.content)
    if stored.digest is None:
        return Check("digest", True, f"not frozen yet (draft); current content {recomputed}")
    if recomputed != stored.digest:
        return Check("digest", False,
                     f"the frozen digest {stored.digest} does not match the stored content, "
                     f"which hashes to {recomputed}")
    return Check("digest", True, f"content hashes to the frozen digest {stored.digest}")


def signature_checks(stored: Contract, check_signature: SignatureChecker) -> list[Check]:
    checks = []
    for signature in stored.signatures:
        problem = check_signature(stored, signature)
        name = f"signature:{signature.signer_did}"
        if problem is None and signature.digest != stored.digest:
            problem = f"signed digest {signature.digest} is not the contract digest {stored.digest}"
        checks.append(Check(name, problem is None,
                            problem or f"valid {signature.scheme} signature by "
                                       f"{signature.verification_method}"))
    return checks


def recorded_documents(events: list[AuditEvent]) -> dict[str, Any]:
    """Each current signer's DID document, as recorded with its signature."""
    documents: dict[str, Any] = {}
    for event in events:
        if event.event_type == "contract.changes_requested":
            documents = {}  # the signatures were cleared
        elif event.event_type == "contract.signed" and isinstance(event.data, dict):
            signature = event.data.get("signature")
            if isinstance(signature, dict) and isinstance(signature.get("signer_did"), str):
                documents[signature["signer_did"]] = event.data.get("did_document")
    return documents


def recorded_signature_checker(events: list[AuditEvent]) -> SignatureChecker:
    """Checks each signature against the DID document recorded with it: the key that signed
    then, even if a did:web document has changed since, and no network needed."""
    documents = recorded_documents(events)

    def check(contract: Contract, signature: Signature) -> str | None:
        return signature_problem(contract, signature, documents.get(signature.signer_did))

    return check


def signature_problem(contract: Contract, signature: Signature, recorded: Any) -> str | None:
    if recorded is None:
        return "no DID document was recorded with this signature"
    try:
        document = DidDocument.from_json(recorded, signature.signer_did)
        if canonical_json(document.to_json()) != canonical_json(recorded):
            return "the recorded DID document has fields that are not part of its normal form"
        did = parse_did(signature.signer_did)
        if did.method != "web" and resolve_local(did) != document:
            return f"the recorded DID document is not the one {signature.signer_did} denotes"
    except DomainError as error:
        return f"the recorded DID document is unusable: {error.detail}"
    except (ValueError, TypeError) as error:
        return f"the recorded DID document is unusable: {error}"
    try:
        method = verify_contract_signature(
            document, contract_id=contract.id, digest_hex=signature.digest,
            signature=signature.signature, chain_id=signature.chain_id,
            verification_method=signature.verification_method)
    except DomainError as error:
        return error.detail
    if scheme_of(method) != signature.scheme:
        return (f"recorded as a {signature.scheme!r} signature, but {method.id} signs "
                f"{scheme_of(method)!r}")
    return None


@dataclass(frozen=True)
class ChainAnchor:
    """What ContractLedger.anchorOf(root) returned: read from the chain, not our database."""

    block_number: int
    first_seq: int
    count: int


# batch first_seq -> (its root, as recorded with the batch; what the chain says of that root)
AnchorLookup = Callable[[int], tuple[str, ChainAnchor | None]]


def anchor_checks(placed: list[tuple[AuditEvent, Placement | None]],
                  lookup: AnchorLookup) -> list[Check]:
    problems = [check for check in (_anchor_problem(e, p, lookup) for e, p in placed) if check]
    anchored = sum(1 for _, placement in placed if placement is not None)
    summary = (f"{anchored} of {len(placed)} events proven against on-chain roots"
               f"{'' if anchored == len(placed) else '; the rest are not anchored yet'}")
    if problems:
        summary = f"{len(problems)} event(s) do not prove to an on-chain root"
    return [Check("anchoring", not problems, summary), *problems]


def _anchor_problem(event: AuditEvent, placement: Placement | None,
                    lookup: AnchorLookup) -> Check | None:
    if placement is None:
        return None
    name = f"anchor:event[{event.seq}]"
    root, on_chain = lookup(placement.batch_first_seq)
    if on_chain is None:
        return Check(name, False, f"the batch root {root} is not anchored on chain")
    try:
        proof = InclusionProof.from_json(placement.proof)
    except ValueError as error:
        return Check(name, False, f"the stored inclusion proof is unreadable: {error}")
    if proof.size != on_chain.count or on_chain.first_seq + proof.index != placement.anchor_seq:
        return Check(name, False, f"the proof places the event at {placement.anchor_seq} of "
                                  f"{proof.size}, the chain's batch holds {on_chain.count} from "
                                  f"{on_chain.first_seq}")
    # The recomputed hash: the proof must be for the event's content, not its stored label.
    if not proof.verifies(bytes.fromhex(event.recomputed_hash()), bytes.fromhex(root)):
        return Check(name, False, f"the event does not prove to the on-chain root {root}")
    return None


@dataclass(frozen=True)
class ChainSlot:
    """What ContractLedger.statusOf(contractId) returned."""

    status: int
    seq: int
    head_hash: str  # hex


def status_slot_check(stored: Contract, events: list[AuditEvent],
                      slot: ChainSlot | None) -> Check:
    names = {code: name for name, code in STATUS_CODES.items()}
    head = stored.version - 1
    if slot is None:
        return Check("status_slot", True, "no on-chain status yet (recorded from the first "
                                          "signed state on): until then the chain cannot tell "
                                          "whether later events exist")
    if slot.seq > head:
        return Check("status_slot", False, f"the chain records event {slot.seq}, beyond the "
                                           f"stored history (head {head}): events are missing")
    if slot.seq >= len(events) or events[slot.seq].recomputed_hash() != slot.head_hash:
        return Check("status_slot", False, f"the chain's hash for event {slot.seq} is "
                                           f"{slot.head_hash}; the stored event differs")
    said = names.get(slot.status, str(slot.status))
    if slot.seq == head and said != stored.status.value:
        return Check("status_slot", False, f"the chain says '{said}' at the head, the stored "
                                           f"contract says '{stored.status.value}'")
    where = "the current head" if slot.seq == head else f"event {slot.seq}, an earlier point"
    return Check("status_slot", True, f"the chain records '{said}' at {where} of this history")
