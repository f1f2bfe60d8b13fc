"""Kinds of receipt tampering, one per way the offline verifier can catch a change: shared by
the static vectors' generator (tests/vectors/receipts/generate.py) and the check that the
Python and TypeScript verifiers agree on a live stack (tests/e2e/test_receipt_verifiers_agree.py).

Each kind takes the issued receipt's bytes and returns the bytes to verify. Most edits keep the
file canonical, so that the change itself is judged; the ``resealed`` ones are a careful
forger's: the events' hashes and the contract snapshot are recomputed after the edit, so only
the signatures and the chain can tell.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from nacl.signing import SigningKey

from cms.domain.audit import AuditEvent
from cms.domain.canonical import canonical_json, digest_of
from cms.domain.contracts.content import Content, content_digest
from cms.domain.contracts.evolution import replay
from cms.domain.did import did_key_from_ed25519, parse_did
from cms.domain.did.methods import resolve_local
from cms.domain.signatures import CONTRACT_MESSAGE_PREFIX, contract_signing_payload, recordable

Tamper = Callable[[bytes], bytes]
# A key nobody registered: signatures by it are well-formed but by the wrong key.
OTHER_ED25519_SEED = bytes(range(32))
OTHER_ADDRESS = "0x000000000000000000000000000000000000dEaD"


def _edit(change: Callable[[dict[str, Any]], None], *, reseal: bool = False) -> Tamper:
    def tamper(raw: bytes) -> bytes:
        receipt = json.loads(raw)
        change(receipt)
        if reseal:
            _reseal(receipt)
        return canonical_json(receipt)
    return tamper


def _reseal(receipt: dict[str, Any]) -> None:
    """Recompute every event's links and hash, and the contract as their replay."""
    previous = "0" * 64
    for event in receipt["events"]:
        event["prev_hash"] = previous
        body = {key: value for key, value in event.items() if key not in ("hash", "anchor")}
        event["hash"] = previous = digest_of(body)
    try:
        contract = replay([AuditEvent.from_json(event) for event in receipt["events"]])
    except Exception:  # a forged history that no longer replays stays as it is
        return
    if contract is not None:
        receipt["contract"] = contract.to_json()


def _flip(text: str) -> str:
    """The same string with its last character changed (still valid hex or base64)."""
    return text[:-1] + ("1" if text[-1] != "1" else "2")


def _signed_events(receipt: dict[str, Any], scheme: str) -> dict[str, Any]:
    return next(e for e in receipt["events"] if e["type"] == "contract.signed"
                and e["data"]["signature"]["scheme"] == scheme)


def _alter_signature(receipt: dict[str, Any]) -> None:
    signature = _signed_events(receipt, "eip712")["data"]["signature"]
    signature["signature"] = signature["signature"][:4] + _flip(signature["signature"][4:6]) \
        + signature["signature"][6:]


def _sign_with_other_key(receipt: dict[str, Any]) -> None:
    signature = _signed_events(receipt, "ed25519-prefixed-digest")["data"]["signature"]
    message = contract_signing_payload(contract_id=receipt["contract"]["id"],
                                       digest_hex=signature["digest"],
                                       signer_did=signature["signer_did"],
                                       chain_id=signature["chain_id"])["message"]
    signature["signature"] = SigningKey(OTHER_ED25519_SEED).sign(
        message.encode("utf-8")).signature.hex()


def _swap_document_key(receipt: dict[str, Any]) -> None:
    """The Ed25519 signer's recorded DID document names another key."""
    event = _signed_events(receipt, "ed25519-prefixed-digest")
    method = event["data"]["did_document"]["verificationMethod"][0]
    method["publicKeyMultibase"] = _flip(method["publicKeyMultibase"])


def _drop_last_event(receipt: dict[str, Any]) -> None:
    """The receipt as if the last step never happened: the chain's status slot knows better."""
    receipt["events"].pop()
    used = {e["anchor"]["batch"] for e in receipt["events"] if e["anchor"]}
    receipt["batches"] = [b for b in receipt["batches"] if b["first_seq"] in used]


def _remove_event(index: int) -> Callable[[dict[str, Any]], None]:
    return lambda receipt: receipt["events"].pop(index)


def _alter_proof_sibling(receipt: dict[str, Any]) -> None:
    """The first sibling of the first proof that has one (a batch of one event has none)."""
    path = next(e["anchor"]["proof"]["path"] for e in receipt["events"]
                if e["anchor"] and e["anchor"]["proof"]["path"])
    path[0] = _flip(path[0])


def _swap_events(receipt: dict[str, Any]) -> None:
    events = receipt["events"]
    events[2], events[3] = events[3], events[2]


def _set(path: tuple[Any, ...],
         value: Any | Callable[[Any], Any]) -> Callable[[dict[str, Any]], None]:
    def change(receipt: dict[str, Any]) -> None:
        holder = receipt
        for step in path[:-1]:
            holder = holder[step]
        holder[path[-1]] = value(holder[path[-1]]) if callable(value) else value
    return change


def _float_in_history(raw: bytes) -> bytes:
    """A signature's chain id in the history written 31337.0: the same number to JavaScript,
    a float to Python, whose replay refuses it (the hash is unchanged: RFC 8785 writes 31337)."""
    at = raw.index(b'"events":[')
    return raw[:at] + raw[at:].replace(b'{"chain_id":31337,', b'{"chain_id":31337.0,', 1)


def _event_like(receipt: dict[str, Any], seq: int, event_type: str, actor: str,
                data: dict[str, Any]) -> dict[str, Any]:
    """A new event in place of the receipt's event ``seq`` (its anchor kept, to be resealed)."""
    return {**receipt["events"][seq], "seq": seq, "type": event_type, "actor": actor,
            "data": data}


def _attached(**content: str) -> Callable[[dict[str, Any]], None]:
    """A forger's history: the contract created with ``content`` changed, then an attachment
    added, whose replay checks the content and normalises its timestamps (Content.validated).
    Where the two verifiers read a timestamp, a title or a DID differently, they disagree."""
    def change(receipt: dict[str, Any]) -> None:
        created = receipt["events"][0]["data"]["content"]
        created.update({"valid_from": "2026-01-01T00:00:00.000Z",
                        "valid_until": "2027-01-01T00:00:00.000Z", **content})
        attachment = {"id": "a1", "name": "annex.pdf", "media_type": "application/pdf",
                      "size": 1, "sha256": "00" * 32, "uploaded_by": created["provider_did"],
                      "object_version": None, "added_at": receipt["events"][1]["at"]}
        receipt["events"][1:] = [_event_like(receipt, 1, "contract.attachment_added",
                                             "system:lifecycle", {"attachment": attachment})]
    return change


# A character that is printable to a runtime with Unicode 15 tables, unassigned to older ones.
UNICODE_15_CHARACTER = "\U0001FAE8"


def _signed_by_other_key_under_id(
        contract_id: Callable[[str], str]) -> Callable[[dict[str, Any]], None]:
    """A forger's history under another contract id: created with a consumer whose key the
    forger holds, submitted, and signed by that consumer, correctly, over the new id."""
    def change(receipt: dict[str, Any]) -> None:
        new_id = contract_id(receipt["contract"]["id"])
        key = SigningKey(OTHER_ED25519_SEED)
        document = resolve_local(parse_did(did_key_from_ed25519(bytes(key.verify_key))))
        content = receipt["events"][0]["data"]["content"]
        content["consumer_did"] = document.id
        provider = content["provider_did"]
        digest = content_digest(new_id, Content.from_json(content))
        # contract_signing_payload refuses such an id: the message is written out here.
        message = (f"{CONTRACT_MESSAGE_PREFIX}contract:{new_id}\ndigest:sha256:{digest}\n"
                   f"signer:{document.id}")
        signature = {"signer_did": document.id, "role": "consumer",
                     "verification_method": document.assertion_method[0],
                     "scheme": "ed25519-prefixed-digest",
                     "signature": key.sign(message.encode("utf-8")).signature.hex(),
                     "digest": digest, "signed_at": receipt["events"][2]["at"],
                     "chain_id": 31337}
        receipt["events"][1:] = [
            _event_like(receipt, 1, "contract.submitted", provider,
                        {"digest": digest, "signing_deadline": content["valid_until"]}),
            _event_like(receipt, 2, "contract.signed", document.id,
                        {"signature": signature, "did_document": recordable(document)})]
        for event in receipt["events"]:
            event["stream"] = f"contract:{new_id}"
    return change


def _reserialised(raw: bytes) -> bytes:
    return json.dumps(json.loads(raw), indent=2).encode()


def _bump(value: int) -> int:
    return value + 1


TAMPERINGS: dict[str, Tamper] = {
    "valid": lambda raw: raw,
    "not_json": lambda raw: b"this is not a receipt",
    "truncated": lambda raw: raw[: len(raw) // 2],
    "duplicate_member": lambda raw: b'{"format":"cms-receipt/v1",' + raw[1:],
    "too_deep": lambda raw: b'{"format":' + b"[" * 100 + b"]" * 100 + b"}",
    "unsafe_integer": lambda raw: raw.replace(b'"chain_id":31337}',
                                              b'"chain_id":1152921504606846976}'),
    # 0.0 is 0 to JavaScript, a float to Python: an integer field must refuse it in both.
    "integral_float": lambda raw: raw.replace(b'"seq":0,', b'"seq":0.0,', 1),
    "float_in_history": _float_in_history,
    "unknown_format": _edit(_set(("format",), "cms-receipt/v2")),
    "missing_key": _edit(lambda receipt: receipt.pop("batches")),
    "reserialised": _reserialised,
    "contract_terms_changed": _edit(_set(("contract", "terms"), {"changed": True})),
    "contract_status_changed": _edit(_set(("contract", "status"), "terminated")),
    "contract_extra_field": _edit(_set(("contract", "note"), "added")),
    "event_edited": _edit(_set(("events", 1, "data", "digest"), _flip)),
    "event_edited_resealed": _edit(_set(("events", 0, "data", "content", "title"), "Forged"),
                                   reseal=True),
    "event_removed": _edit(_remove_event(2)),
    "event_removed_resealed": _edit(_remove_event(2), reseal=True),
    "events_reordered": _edit(_swap_events),
    "signature_altered": _edit(_alter_signature, reseal=True),
    "signature_by_other_key": _edit(_sign_with_other_key, reseal=True),
    "did_document_swapped": _edit(_swap_document_key, reseal=True),
    "proof_sibling_altered": _edit(_alter_proof_sibling),
    "proof_index_altered": _edit(_set(("events", 0, "anchor", "anchor_seq"), _bump)),
    "event_unanchored": _edit(_set(("events", 1, "anchor"), None)),
    "batch_root_altered": _edit(_set(("batches", 0, "root"), _flip)),
    "batch_tx_altered": _edit(_set(("batches", 0, "tx_hash"), _flip)),
    "batch_block_altered": _edit(_set(("batches", 0, "block_number"), _bump)),
    "wrong_chain": _edit(_set(("ledger", "chain_id"), 1)),
    "wrong_ledger_address": _edit(_set(("ledger", "address"), OTHER_ADDRESS)),
    "status_slot_ahead": _edit(_drop_last_event, reseal=True),
    # Forged histories on which the verifiers once disagreed: one timestamp grammar, one
    # "blank", one "printable" (ASCII), whatever the runtime's Unicode tables.
    "validity_minute_99": _edit(_attached(valid_until="2027-01-01T00:99:00Z"), reseal=True),
    "validity_year_0050": _edit(_attached(valid_from="0050-01-01T00:00:00.000Z"), reseal=True),
    "validity_offset_without_colon": _edit(_attached(valid_until="2027-01-01T00:00:00+0100"),
                                           reseal=True),
    "validity_offset": _edit(_attached(valid_until="2027-01-01T05:30:00.5+05:30"), reseal=True),
    "validity_offset_out_of_range": _edit(_attached(valid_until="2027-01-01T00:00:00+24:00"),
                                          reseal=True),
    "validity_seven_digit_fraction": _edit(
        _attached(valid_until="2027-01-01T00:00:00.1234567Z"), reseal=True),
    "validity_space_separator": _edit(_attached(valid_until="2027-01-01 00:00:00Z"),
                                      reseal=True),
    "validity_below_a_millisecond": _edit(_attached(
        valid_from="2026-06-01T00:00:00.0001Z", valid_until="2026-06-01T00:00:00.0009Z"),
        reseal=True),
    "validity_before_year_1": _edit(_attached(valid_from="0001-01-01T00:30:00+01:00"),
                                    reseal=True),
    "title_byte_order_mark": _edit(_attached(title="\ufeff"), reseal=True),
    "title_file_separator": _edit(_attached(title="\x1c"), reseal=True),
    "consumer_did_web_no_break_space": _edit(
        _attached(consumer_did="did:web:parties.example.com:%C2%A0"), reseal=True),
    "consumer_did_web_slash_and_bad_utf8": _edit(
        _attached(consumer_did="did:web:parties.example.com:%2F%C0"), reseal=True),
    "contract_id_non_ascii": _edit(_signed_by_other_key_under_id(
        lambda contract_id: contract_id + "-" + UNICODE_15_CHARACTER), reseal=True),
}

# Verified without a trusted ledger: the verdict can only be incomplete.
UNPINNED = "valid_unpinned"
# A tampered receipt verified without a trusted ledger: invalid all the same (what the signature
# check proves does not depend on which ledger is trusted).
UNPINNED_TAMPERED = "signature_altered_unpinned"
