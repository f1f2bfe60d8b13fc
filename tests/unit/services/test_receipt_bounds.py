"""A contract's receipt is always obtainable: what its parties can repeat (edits, changes
requested) is bounded (cms.domain.contracts.history), so no history, however hostile, outgrows
the one response a receipt is, and the receipt still verifies."""

from __future__ import annotations

import json

import pytest

from cms.domain.canonical import canonical_json
from cms.domain.contracts.content import MAX_CONTENT_BYTES
from cms.domain.errors import DomainError
from cms.domain.receipts import (
    ChainTransaction,
    MinedAnchor,
    TrustedLedger,
    verify_receipt,
)
from cms.services.contracts.verification import MAX_RECEIPT_BYTES
from tests.unit.services.contract_world import CHAIN_ID, World
from tests.unit.services.http import Http
from tests.unit.services.test_contract_documents import upload

# A reason as long as the API accepts, every character escaped in canonical JSON (\u0001).
WORST_REASON = "\x01" * 2000
# What the platform answers when a contract has no room for more negotiation (its stable code;
# the names are imported where used, cms.domain.contracts.history).
HISTORY_FULL = "history_limit_reached"


def history_full(error: DomainError) -> bool:
    return error.code == HISTORY_FULL and error.status == 409


class MemoryChain:
    """The in-memory ledger as the receipt verifier sees a chain (after one anchor_all)."""

    def __init__(self, world: World) -> None:
        self._world = world
        self._batch = world.services.anchor_batches.last_final()
        self._chain_id, self._address = world.services.ledger_address()

    def chain_id(self) -> int:
        return self._chain_id

    def block_number(self) -> int:
        return self._batch.block_number + 1

    def code(self) -> bytes:
        return b"\x60\x80"

    def anchor_of(self, root: str):
        return self._world.services.memory_ledger.anchor_of(root)

    def transaction(self, tx_hash: str) -> ChainTransaction | None:
        batch = self._batch
        if tx_hash != batch.tx_hash:
            return None
        return ChainTransaction(batch.block_number, True, self._address, (MinedAnchor(
            self._address.lower(), batch.root, batch.first_seq,
            batch.first_seq + batch.count - 1, batch.count),))

    def status_of(self, contract_id: str):
        return self._world.services.memory_ledger.status_of(contract_id)


def verified(world: World, raw: bytes):
    chain_id, address = world.services.ledger_address()
    return verify_receipt(raw, lambda _: MemoryChain(world), None,
                          TrustedLedger(chain_id, address))


def largest_terms(world: World, contract_id: str, round_: int) -> dict:
    """Terms that fill the contract's content to its limit (each edit differs)."""
    content = world.contracts.current(contract_id).content.to_json()
    empty = {"round": round_, "text": ""}
    room = MAX_CONTENT_BYTES - len(canonical_json({**content, "terms": empty}))
    return {"round": round_, "text": "x" * room}


def edit_until_refused(world: World, party, contract_id: str, limit: int = 400) -> int:
    """Edit with the largest terms until the history is full; how many edits landed."""
    for round_ in range(limit):
        try:
            world.contracts.update(party.caller, contract_id,
                                   {"terms": largest_terms(world, contract_id, round_)})
        except DomainError as refused:
            assert history_full(refused), refused
            return round_
    return limit


def sign_activate_and_end(world: World, provider, consumer, contract_id: str):
    if world.contracts.current(contract_id).status.value == "draft":
        world.contracts.submit(provider.caller, contract_id)
    if world.contracts.current(contract_id).signed_by(provider.did) is None:
        world.sign(provider, contract_id)
    world.sign(consumer, contract_id)
    world.contracts.activate(consumer.caller, contract_id)
    return world.contracts.terminate(consumer.caller, contract_id, WORST_REASON)


def test_many_large_edits_leave_the_receipt_obtainable_and_valid(world, parties):
    """The review's attack: the provider edits a draft with the largest content over and
    over (about 160 such edits used to push every later receipt past what a response may
    carry, for both parties, for ever)."""
    provider, consumer = parties
    contract = world.draft(provider, consumer)
    edits = edit_until_refused(world, provider, contract.id)
    ended = sign_activate_and_end(world, provider, consumer, contract.id)
    assert ended.status.value == "terminated"
    world.anchor_all()
    raw = world.contracts.receipt(consumer.caller, contract.id)  # the other party gets it
    assert len(raw) <= MAX_RECEIPT_BYTES
    report = verified(world, raw)
    assert report.valid, [(c.name, c.detail) for c in report.checks if not c.ok]
    from cms.domain.contracts.history import MAX_NEGOTIATION_EVENTS

    assert edits == MAX_NEGOTIATION_EVENTS - 1  # the creation is the first event
    assert len(json.loads(raw)["events"]) == MAX_NEGOTIATION_EVENTS + 5


def test_every_repeatable_step_counts_and_the_worst_receipt_still_fits(world, parties):
    """The class: each way the parties can grow a history (edits, a round trip of submission,
    a first signature and changes requested with the longest reason, attachments with the
    longest names) stops within bounds, and the receipt of the worst history fits and
    verifies."""
    from cms.domain.contracts.history import MAX_NEGOTIATION_EVENTS, negotiation_events

    provider, consumer = parties
    contract = world.draft(provider, consumer)
    names = attach_until_refused(world, provider, contract.id)
    assert names >= 10  # attachments are counted apart from the negotiation
    refused = None
    for round_ in range(400):
        try:
            world.contracts.update(provider.caller, contract.id,
                                   {"terms": largest_terms(world, contract.id, round_)})
            world.contracts.submit(provider.caller, contract.id)
            world.sign(provider, contract.id)
            world.contracts.request_changes(consumer.caller, contract.id, WORST_REASON)
        except DomainError as error:
            refused = error
            break
    assert refused is not None and history_full(refused)
    current = world.contracts.current(contract.id)
    assert negotiation_events(current) == MAX_NEGOTIATION_EVENTS
    ended = sign_activate_and_end(world, provider, consumer, contract.id)
    world.anchor_all()
    raw = world.contracts.receipt(provider.caller, contract.id)
    assert len(raw) <= MAX_RECEIPT_BYTES
    assert verified(world, raw).valid
    assert ended.version == len(json.loads(raw)["events"])


def attach_until_refused(world: World, party, contract_id: str) -> int:
    """Attachments with the longest names (200 characters of 4 UTF-8 bytes) until a quota
    or the content's size refuses one, before any upload form is issued."""
    from cms.domain.errors import AttachmentQuotaExceeded

    documents = world.services.documents
    for count in range(60):
        name = f"{count:03d}" + "\U0001f4c4" * 197
        try:
            grant = documents.request_upload(party.caller, contract_id, name=name,
                                             media_type="text/plain", size=1)
        except AttachmentQuotaExceeded:
            return count
        key, version = upload(world, grant, b"x")
        assert documents.register_upload(key, version).registered
    raise AssertionError("attachments were never refused")


def test_past_the_limit_a_draft_can_still_be_submitted_signed_or_ended(world, parties):
    from cms.domain.contracts.errors import HistoryLimitReached

    provider, consumer = parties
    contract = world.draft(provider, consumer)
    edit_until_refused(world, provider, contract.id)
    with pytest.raises(HistoryLimitReached):
        world.contracts.update(provider.caller, contract.id, {"title": "Again"})
    world.contracts.submit(provider.caller, contract.id)
    with pytest.raises(HistoryLimitReached):
        world.contracts.request_changes(consumer.caller, contract.id, "one more round")
    assert world.sign(provider, contract.id).status.value == "review"
    other = world.draft(provider, consumer)  # a new contract negotiates afresh
    world.contracts.update(provider.caller, other.id, {"title": "Fresh"})


def test_a_full_template_draft_is_refused_before_anything_is_rendered(world, parties):
    from cms.domain.contracts.errors import HistoryLimitReached
    from cms.domain.contracts.history import MAX_NEGOTIATION_EVENTS
    from cms.services.drafting import DraftingService
    from tests.unit.services.test_drafting import BuiltinTemplates, drafted, variables

    provider, consumer = parties
    s = world.services
    s.__dict__["drafting"] = DraftingService(BuiltinTemplates(), s._document_store,
                                             clock=world.clock)
    contract = drafted(world, provider, consumer)
    for round_ in range(MAX_NEGOTIATION_EVENTS - 1):  # not re-rendered: quick
        world.contracts.update(provider.caller, contract.id,
                               {"description": f"Round {round_}"})
    bucket = s.bucket("CMS_DOCUMENTS_BUCKET")
    stored = {key: list(versions) for key, versions in bucket._versions.items()}
    with pytest.raises(HistoryLimitReached):
        world.contracts.update(provider.caller, contract.id,
                               {"variables": variables(world, retention_days=30)})
    assert bucket._versions == stored  # no rendering of a refused edit


def test_the_api_answers_the_limit_as_a_problem_and_still_serves_the_receipt(world, parties):
    from cms.domain.contracts.history import MAX_NEGOTIATION_EVENTS

    provider, consumer = parties
    http = Http(world)
    contract = world.draft(provider, consumer)
    for round_ in range(MAX_NEGOTIATION_EVENTS - 1):
        world.contracts.update(provider.caller, contract.id, {"title": f"Round {round_}"})
    refused = http("PATCH", f"/api/v1/contracts/{contract.id}", provider, {"title": "More"})
    assert (refused.status, refused.code) == (409, "history_limit_reached"), refused.text
    assert refused.body["limit"] == MAX_NEGOTIATION_EVENTS
    assert http("POST", f"/api/v1/contracts/{contract.id}/submit", provider).status == 200
    answer = http("POST", f"/api/v1/contracts/{contract.id}/request-changes", consumer,
                  {"reason": "again"})
    assert (answer.status, answer.code) == (409, "history_limit_reached")
    world.anchor_all()
    receipt = http("GET", f"/api/v1/contracts/{contract.id}/receipt", consumer)
    assert receipt.status == 200 and verified(world, receipt.text.encode()).valid
    assert json.loads(receipt.text)["ledger"]["chain_id"] == CHAIN_ID
