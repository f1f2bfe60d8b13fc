"""Contract receipts: one JSON document from which anyone can check, against a public chain and
without our API or database, what was agreed, who signed with which key, and every event since.

A receipt holds the contract as it stands, every audit event (each sign event carries the DID
document its signature was checked against), each event's Merkle inclusion proof, and per
batch the root, transaction and block. Nothing in it is taken on trust: the contract must be
the replay of the events, the events must chain and prove to roots that the ledger contract at
the receipt's address on the receipt's chain holds, in the receipt's blocks and transactions,
and the chain's status slot must not be ahead of the receipt. A receipt is RFC 8785 canonical
JSON, so changing any byte either breaks the canonical form or changes a checked value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from cms.domain import strict_json
from cms.domain.anchoring import Batch, Placement
from cms.domain.audit import HASH_VERSION, AuditEvent
from cms.domain.canonical import canonical_json, sha256_hex
from cms.domain.contracts.model import Contract, stream_of
from cms.domain.did.document import checksum_address
from cms.domain.errors import DomainError
from cms.domain.merkle import InclusionProof
from cms.domain.verification import (
    ChainAnchor,
    ChainSlot,
    Check,
    anchor_checks,
    chain_checks,
    digest_check,
    recorded_signature_checker,
    replay_check,
    signature_checks,
    status_slot_check,
)

FORMAT = "cms-receipt/v1"
_KEYS = {"format", "contract", "events", "batches", "ledger"}
_EVENT_KEYS = {"v", "stream", "seq", "event_id", "type", "actor", "at", "data", "prev_hash",
               "hash", "anchor"}
_ANCHOR_KEYS = {"batch", "anchor_seq", "proof"}
_BATCH_KEYS = {"first_seq", "count", "root", "tx_hash", "block_number"}
_LEDGER_KEYS = {"chain_id", "address"}
_HASH = re.compile(r"[0-9a-f]{64}")
_TX_HASH = re.compile(r"0x[0-9a-f]{64}")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


# ------------------------------------------------------------------ building


def build_receipt(contract: Contract, placed: list[tuple[AuditEvent, Placement | None]],
                  batches: dict[int, Batch], *, chain_id: int, address: str) -> dict[str, Any]:
    """The receipt for ``contract`` with its events as stored and the final batches that hold
    them. Events not anchored yet appear without an anchor (and fail verification until a
    fresh receipt is fetched)."""
    used = sorted({placement.batch_first_seq for _, placement in placed if placement})
    return {
        "format": FORMAT,
        "contract": contract.to_json(),
        "events": [{**event.to_json(), "anchor": _anchor_json(placement)}
                   for event, placement in placed],
        "batches": [_batch_json(batches[first_seq]) for first_seq in used],
        "ledger": {"chain_id": chain_id, "address": checksum_address(address)},
    }


def _anchor_json(placement: Placement | None) -> dict[str, Any] | None:
    if placement is None:
        return None
    return {"batch": placement.batch_first_seq, "anchor_seq": placement.anchor_seq,
            "proof": placement.proof}


def _batch_json(batch: Batch) -> dict[str, Any]:
    return {"first_seq": batch.first_seq, "count": batch.count, "root": batch.root,
            "tx_hash": batch.tx_hash, "block_number": batch.block_number}


def receipt_bytes(receipt: dict[str, Any]) -> bytes:
    """The receipt as issued and as it must be kept: RFC 8785 canonical JSON."""
    return canonical_json(receipt)


# ------------------------------------------------------------------ reading


class ReceiptFormatError(ValueError):
    """The receipt is not a well-formed cms-receipt/v1 document; ``where`` is a JSON pointer."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where or '/'}: {problem}")
        self.where = where


@dataclass(frozen=True)
class ReceiptBatch:
    first_seq: int
    count: int
    root: str
    tx_hash: str
    block_number: int


@dataclass(frozen=True)
class Receipt:
    contract: dict[str, Any]
    events: tuple[AuditEvent, ...]
    placements: tuple[Placement | None, ...]
    batches: dict[int, ReceiptBatch]
    chain_id: int
    address: str
    canonical: bytes  # the receipt's RFC 8785 form, to compare with the bytes as kept

    @property
    def contract_id(self) -> str:
        return self.contract["id"]


def parse_receipt(text: bytes | str) -> Receipt:
    """Strictly parse a receipt: exact keys, exact types, no duplicate keys, no NaN."""
    try:
        data = strict_json.loads(text)
    except ValueError as error:
        raise ReceiptFormatError("", f"not JSON: {error}") from None
    try:
        canonical = canonical_json(data)  # every hash below is over canonical JSON
    except ValueError as error:
        raise ReceiptFormatError("", f"not I-JSON (RFC 7493): {error}") from None
    _keys(data, _KEYS, "")
    if data["format"] != FORMAT:
        raise ReceiptFormatError("/format", f"unknown format {data['format']!r}, "
                                            f"expected {FORMAT!r}")
    contract = data["contract"]
    if not (isinstance(contract, dict) and isinstance(contract.get("id"), str)):
        raise ReceiptFormatError("/contract", "must be an object with a string id")
    placed = [_event(item, f"/events/{i}")
              for i, item in enumerate(_list(data["events"], "/events"))]
    events = tuple(event for event, _ in placed)
    placements = tuple(placement for _, placement in placed)
    batches: dict[int, ReceiptBatch] = {}
    for i, item in enumerate(_list(data["batches"], "/batches")):
        batch = _batch(item, f"/batches/{i}")
        if batch.first_seq in batches:
            raise ReceiptFormatError(f"/batches/{i}", f"batch {batch.first_seq} appears twice")
        batches[batch.first_seq] = batch
    ledger = data["ledger"]
    _keys(ledger, _LEDGER_KEYS, "/ledger")
    chain_id = _count(ledger["chain_id"], "/ledger/chain_id", minimum=1)
    address = ledger["address"]
    if not (isinstance(address, str) and _ADDRESS.fullmatch(address)
            and _checksummed(address) == address):
        raise ReceiptFormatError("/ledger/address",
                                 "must be a 0x-prefixed 20-byte address in EIP-55 checksum case")
    return Receipt(contract, events, placements, batches, chain_id, ledger["address"],
                   canonical)


def _checksummed(address: str) -> str | None:
    try:
        return checksum_address(address)
    except ValueError:
        return None


def _keys(value: Any, expected: set[str], where: str) -> None:
    if not isinstance(value, dict):
        raise ReceiptFormatError(where, "must be an object")
    if set(value) != expected:
        missing, extra = sorted(expected - set(value)), sorted(set(value) - expected)
        raise ReceiptFormatError(where, f"keys differ from {FORMAT}: missing {missing}, "
                                        f"unexpected {extra}")


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ReceiptFormatError(where, "must be an array")
    return value


def _count(value: Any, where: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ReceiptFormatError(where, f"must be an integer >= {minimum}")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ReceiptFormatError(where, "must be a string")
    return value


def _event(item: Any, where: str) -> tuple[AuditEvent, Placement | None]:
    _keys(item, _EVENT_KEYS, where)
    if item["v"] != HASH_VERSION or isinstance(item["v"], bool):
        raise ReceiptFormatError(f"{where}/v", f"unknown event hash version {item['v']!r}")
    for name in ("stream", "event_id", "type", "actor", "at", "prev_hash", "hash"):
        _text(item[name], f"{where}/{name}")
    _count(item["seq"], f"{where}/seq")
    if not isinstance(item["data"], dict):
        raise ReceiptFormatError(f"{where}/data", "must be an object")
    return AuditEvent.from_json(item), _placement(item["anchor"], f"{where}/anchor")


def _placement(anchor: Any, where: str) -> Placement | None:
    if anchor is None:
        return None
    _keys(anchor, _ANCHOR_KEYS, where)
    try:
        InclusionProof.from_json(anchor["proof"])
    except ValueError as error:
        raise ReceiptFormatError(f"{where}/proof", str(error)) from None
    return Placement(_count(anchor["batch"], f"{where}/batch"),
                     _count(anchor["anchor_seq"], f"{where}/anchor_seq"), anchor["proof"])


def _batch(item: Any, where: str) -> ReceiptBatch:
    _keys(item, _BATCH_KEYS, where)
    if not (isinstance(item["root"], str) and _HASH.fullmatch(item["root"])):
        raise ReceiptFormatError(f"{where}/root", "must be 64 lower-case hex digits")
    if not (isinstance(item["tx_hash"], str) and _TX_HASH.fullmatch(item["tx_hash"])):
        raise ReceiptFormatError(f"{where}/tx_hash",
                                 "must be 0x and 64 lower-case hex digits")
    return ReceiptBatch(_count(item["first_seq"], f"{where}/first_seq"),
                        _count(item["count"], f"{where}/count", minimum=1), item["root"],
                        item["tx_hash"], _count(item["block_number"], f"{where}/block_number",
                                                minimum=1))


# ------------------------------------------------------------------ verifying


@dataclass(frozen=True)
class MinedAnchor:
    """An ``Anchored`` event in a mined transaction, with the address that emitted it."""

    emitter: str
    root: str
    first_seq: int
    last_seq: int
    count: int


@dataclass(frozen=True)
class ChainTransaction:
    block_number: int
    succeeded: bool
    to: str | None
    anchored: tuple[MinedAnchor, ...]


class ChainView(Protocol):
    """What the verifier asks the chain (through any JSON-RPC endpoint the user trusts).
    Every method raises DomainError when the chain cannot be read."""

    def chain_id(self) -> int: ...

    def block_number(self) -> int: ...

    def code(self) -> bytes: ...

    def anchor_of(self, root: str) -> ChainAnchor | None: ...

    def transaction(self, tx_hash: str) -> ChainTransaction | None: ...

    def status_of(self, contract_id: str) -> ChainSlot | None: ...


@dataclass(frozen=True)
class ReceiptReport:
    checks: list[Check]
    # Why the receipt is neither proven nor disproven (no trusted ledger, the chain could not
    # be asked); None as soon as another check failed: that disproves it whatever is unknown.
    incomplete: str | None = None

    @property
    def valid(self) -> bool:
        return self.incomplete is None and all(check.ok for check in self.checks)


@dataclass(frozen=True)
class TrustedLedger:
    """The ledger the verifier trusts, learnt from outside the receipt (the operator publishes
    it: ``GET /api/v1/ledger``). A receipt cannot vouch for its own ledger: anyone can deploy
    a ContractLedger and anchor whatever they like on it."""

    chain_id: int
    address: str

    @classmethod
    def parse(cls, text: str) -> TrustedLedger:
        """``CHAIN_ID:ADDRESS``, e.g. ``1:0xAbC…``; ValueError otherwise."""
        chain, _, address = text.partition(":")
        if not chain.isdigit() or int(chain) < 1 or not _ADDRESS.fullmatch(address):
            raise ValueError(f"expected CHAIN_ID:0xADDRESS, got {text!r}")
        return cls(int(chain), address)


def verify_receipt(text: bytes | str, connect: Callable[[Receipt], ChainView],
                   ledger_code: bytes | None = None,
                   trusted: TrustedLedger | None = None) -> ReceiptReport:
    """Every check a receipt's holder can make. ``connect`` opens the chain at the receipt's
    ledger; ``ledger_code`` is ContractLedger's runtime bytecode, to be found at the address;
    without ``trusted`` the report can at best be incomplete."""
    try:
        return _verify(text, connect, ledger_code, trusted)
    except Exception as error:  # a verdict, never a stack trace, whatever the input
        return ReceiptReport([Check("verifier", False, f"the receipt could not be checked: "
                                                       f"{type(error).__name__}: {error}")])


def _verify(text: bytes | str, connect: Callable[[Receipt], ChainView],
            ledger_code: bytes | None, trusted: TrustedLedger | None) -> ReceiptReport:
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    try:
        receipt = parse_receipt(raw)
    except ReceiptFormatError as error:
        return ReceiptReport([Check("format", False, str(error))])
    trust = _trust_check(receipt, trusted)
    checks = [_canonical_check(raw, receipt), trust]
    events = list(receipt.events)
    replayed, history = replay_check(events)
    checks.extend(chain_checks(stream_of(receipt.contract_id), None, events))
    checks.append(history)
    if replayed is not None:
        checks.extend(_contract_checks(receipt.contract, replayed))
        checks.append(digest_check(replayed))
        checks.extend(signature_checks(replayed, recorded_signature_checker(events)))
    try:
        checks.extend(_chain_checks(receipt, connect(receipt), replayed, ledger_code))
    except DomainError as error:
        unreadable = Check("ledger", False, f"the chain cannot be read: {error.detail}")
        checks.append(unreadable)
        return _undecided(checks, error.detail, unreadable, trust if trusted is None else None)
    if trusted is None:
        return _undecided(checks, UNPINNED, trust)
    return ReceiptReport(checks)


def _undecided(checks: list[Check], reason: str, *why: Check | None) -> ReceiptReport:
    """Incomplete for ``reason`` unless a check other than those saying why (``why``) failed:
    a broken signature or chain of events is invalid with or without a pin or a chain."""
    disproven = any(not check.ok and all(check is not cause for cause in why)
                    for check in checks)
    return ReceiptReport(checks, incomplete=None if disproven else reason)


UNPINNED = ("no trusted ledger given: the receipt's own ledger address proves nothing by "
            "itself (pass the operator's published CHAIN_ID:ADDRESS)")


def _trust_check(receipt: Receipt, trusted: TrustedLedger | None) -> Check:
    named = f"{receipt.chain_id}:{receipt.address}"
    if trusted is None:
        return Check("ledger.trusted", False, f"the receipt names ledger {named}; {UNPINNED}")
    if (trusted.chain_id, trusted.address.lower()) != (receipt.chain_id,
                                                       receipt.address.lower()):
        return Check("ledger.trusted", False, f"the receipt names ledger {named}, not the "
                                              f"trusted {trusted.chain_id}:{trusted.address}")
    return Check("ledger.trusted", True, f"the receipt's ledger is the trusted {named}")


def _canonical_check(raw: bytes, receipt: Receipt) -> Check:
    if raw != receipt.canonical:
        return Check("format", False, "the file is not the receipt as issued: it is not RFC "
                                      "8785 canonical JSON (re-serialised or edited); its "
                                      "content is checked below regardless")
    return Check("format", True, f"{FORMAT}, canonical JSON, SHA-256 {sha256_hex(raw)}")


def _contract_checks(claimed: dict[str, Any], replayed: Contract) -> list[Check]:
    expected = replayed.to_json()
    problems = [Check(f"contract.{name}", False, "missing; the events say "
                                                 f"{value!r}")
                for name, value in expected.items() if name not in claimed]
    problems += [Check(f"contract.{name}", False,
                       f"the receipt says {claimed[name]!r}, the events say {value!r}")
                 for name, value in expected.items()
                 if name in claimed and canonical_json(claimed[name]) != canonical_json(value)]
    problems += [Check(f"contract.{name}", False, "not a contract field")
                 for name in sorted(set(claimed) - set(expected))]
    if problems:
        return problems
    return [Check("contract", True, f"the contract ({replayed.status.value}) is exactly the "
                                    f"replay of its {replayed.version} events")]


def _chain_checks(receipt: Receipt, chain: ChainView, replayed: Contract | None,
                  ledger_code: bytes | None) -> list[Check]:
    ledger = _ledger_checks(receipt, chain, ledger_code)
    if not all(check.ok for check in ledger):
        return ledger  # the wrong chain or no ledger there: nothing else it says counts
    checks = [*ledger, *_batch_checks(receipt, chain)]
    checks.extend(_event_anchor_checks(receipt, chain))
    if replayed is not None:
        checks.append(status_slot_check(replayed, list(receipt.events),
                                        chain.status_of(receipt.contract_id)))
    return checks


def _ledger_checks(receipt: Receipt, chain: ChainView, ledger_code: bytes | None) -> list[Check]:
    served = chain.chain_id()
    if served != receipt.chain_id:
        return [Check("ledger.chain", False, f"the RPC endpoint serves chain {served}, the "
                                             f"receipt is for chain {receipt.chain_id}")]
    checks = [Check("ledger.chain", True, f"chain {served}")]
    code = chain.code()
    if not code:
        checks.append(Check("ledger.code", False, f"no contract code at {receipt.address}"))
    elif ledger_code is not None and code != ledger_code:
        checks.append(Check("ledger.code", False,
                            f"the code at {receipt.address} is not ContractLedger (runtime "
                            f"bytecode SHA-256 {sha256_hex(code)}, expected "
                            f"{sha256_hex(ledger_code)})"))
    else:
        checks.append(Check("ledger.code", True, f"ContractLedger at {receipt.address}"))
    return checks


def _batch_checks(receipt: Receipt, chain: ChainView) -> list[Check]:
    used = {p.batch_first_seq for p in receipt.placements if p is not None}
    head = chain.block_number() if receipt.batches else 0
    checks = []
    for first_seq, batch in sorted(receipt.batches.items()):
        problem = (f"no event of the receipt is in batch {first_seq}" if first_seq not in used
                   else _batch_problem(receipt, batch, chain))
        checks.append(Check(f"batch[{first_seq}]", problem is None, problem or (
            f"root {batch.root} of {batch.count} events anchored by {batch.tx_hash} in block "
            f"{batch.block_number}, {head - batch.block_number + 1} confirmation(s) deep")))
    return checks


def _batch_problem(receipt: Receipt, batch: ReceiptBatch, chain: ChainView) -> str | None:
    anchored = chain.anchor_of(batch.root)
    if anchored is None:
        return f"the ledger holds no anchor for root {batch.root}"
    if (anchored.first_seq, anchored.count) != (batch.first_seq, batch.count):
        return (f"the ledger anchored this root for {anchored.count} events from "
                f"{anchored.first_seq}, the receipt says {batch.count} from {batch.first_seq}")
    if anchored.block_number != batch.block_number:
        return (f"the ledger anchored this root in block {anchored.block_number}, the receipt "
                f"says {batch.block_number}")
    mined = chain.transaction(batch.tx_hash)
    if mined is None:
        return f"the chain has no transaction {batch.tx_hash}"
    if not mined.succeeded:
        return f"transaction {batch.tx_hash} reverted (block {mined.block_number})"
    if mined.block_number != batch.block_number:
        return (f"transaction {batch.tx_hash} is in block {mined.block_number}, the "
                f"anchoring in block {batch.block_number}")
    expected = MinedAnchor(receipt.address.lower(), batch.root, batch.first_seq,
                           batch.first_seq + batch.count - 1, batch.count)
    emitted = [MinedAnchor(log.emitter.lower(), log.root, log.first_seq, log.last_seq,
                           log.count) for log in mined.anchored]
    if expected not in emitted:
        return (f"transaction {batch.tx_hash} did not emit Anchored({batch.root}, "
                f"{batch.first_seq}, {expected.last_seq}, {batch.count}) from the ledger")
    return None


def _event_anchor_checks(receipt: Receipt, chain: ChainView) -> list[Check]:
    placed = list(zip(receipt.events, receipt.placements, strict=True))
    missing = [Check(f"anchor:event[{event.seq}]", False,
                     "not anchored when this receipt was issued; anchoring runs every minute: "
                     "fetch a fresh receipt") for event, placement in placed if placement is None]
    missing += [Check(f"anchor:event[{event.seq}]", False,
                      f"its batch {placement.batch_first_seq} is not in the receipt")
                for event, placement in placed
                if placement is not None and placement.batch_first_seq not in receipt.batches]
    known = [(event, placement) for event, placement in placed
             if placement is not None and placement.batch_first_seq in receipt.batches]
    cache: dict[int, ChainAnchor | None] = {}

    def lookup(first_seq: int) -> tuple[str, ChainAnchor | None]:
        root = receipt.batches[first_seq].root
        if first_seq not in cache:
            cache[first_seq] = chain.anchor_of(root)
        return root, cache[first_seq]

    summary, *problems = anchor_checks(known, lookup)
    if missing:
        summary = Check("anchoring", False, f"{len(missing) + len(problems)} of {len(placed)} "
                                            f"events are not proven by this receipt")
    return [summary, *missing, *problems]
