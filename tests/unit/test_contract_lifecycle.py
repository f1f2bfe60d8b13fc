"""The lifecycle rules: who may do what, in which state, and what each step records."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cms.domain.audit import GENESIS_HASH, seal
from cms.domain.canonical import digest_of, iso_utc
from cms.domain.contracts import (
    SYSTEM_ACTOR,
    Activate,
    AddAttachment,
    AlreadySigned,
    Complete,
    Content,
    Create,
    Expire,
    InvalidHistory,
    NotYetValid,
    RequestChanges,
    Sign,
    Signature,
    Status,
    Submit,
    Terminate,
    Update,
    ValidityEnded,
    content_digest,
    decide,
    evolve,
    record_change,
    replay,
)
from cms.domain.drafting import AttachmentExists, check_client_metadata
from cms.domain.errors import Forbidden, IllegalTransition, ValidationFailed

PROVIDER = "did:pkh:eip155:1:0xb9c5714089478a327f09197987f16f9e5d936e8a"
CONSUMER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
STRANGER = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def content(**changes) -> Content:
    base = Content(
        title="Data licence", description="", provider_did=PROVIDER, consumer_did=CONSUMER,
        terms={"epsilon": 3.0, "price": 10}, metadata={},
        valid_from=iso_utc(NOW), valid_until=iso_utc(NOW + timedelta(days=30)))
    return replace(base, **changes)


def step(contract, command, actor, now=NOW):
    seq = 0 if contract is None else contract.version
    changed, _ = record_change(contract, command, actor=actor, now=now, event_id=f"e{seq}")
    return changed


def signature(contract, did, role):
    return Signature(did, role, did + "#k", "test", "sig-" + role, contract.digest, iso_utc(NOW),
                     31337)


def in_review():
    return step(step(None, Create("c1", content()), PROVIDER), Submit(), PROVIDER)


def signed():
    c = in_review()
    c = step(c, Sign(signature(c, PROVIDER, "provider"), {}), PROVIDER)
    return step(c, Sign(signature(c, CONSUMER, "consumer"), {}), CONSUMER)


def test_create_starts_a_draft_owned_by_the_provider():
    c = step(None, Create("c1", content()), PROVIDER)
    assert c.status == Status.DRAFT and c.version == 1 and c.digest is None
    assert c.role_of(PROVIDER) == "provider" and c.role_of(CONSUMER) == "consumer"


def test_a_change_is_the_next_link_of_the_chain_and_the_snapshot_points_at_it():
    draft, created = record_change(None, Create("c1", content()), actor=PROVIDER, now=NOW,
                                   event_id="e0")
    assert (created.stream, created.seq, created.prev_hash) == ("contract:c1", 0, GENESIS_HASH)
    assert created.event_type == "contract.created" and created.event_id == "e0"
    assert created.actor == PROVIDER and created.at == iso_utc(NOW)
    review, submitted = record_change(draft, Submit(), actor=PROVIDER, now=NOW, event_id="e1")
    assert (submitted.seq, submitted.prev_hash) == (1, created.hash)
    assert (review.version, review.head_hash) == (2, submitted.hash)
    assert replay([created, submitted]) == review  # exactly what verification rebuilds


def test_a_refused_change_records_nothing():
    draft, _ = record_change(None, Create("c1", content()), actor=PROVIDER, now=NOW,
                             event_id="e0")
    with pytest.raises(Forbidden):
        record_change(draft, Submit(), actor=CONSUMER, now=NOW, event_id="e1")
    with pytest.raises(ValueError, match="only Create"):
        record_change(None, Submit(), actor=PROVIDER, now=NOW, event_id="e0")


def test_only_the_provider_can_create():
    with pytest.raises(Forbidden):
        decide(None, Create("c1", content()), CONSUMER, NOW)


@pytest.mark.parametrize("bad, pointer", [
    ({"valid_until": iso_utc(NOW - timedelta(days=1))}, "/valid_until"),
    ({"consumer_did": PROVIDER}, "/consumer_did"),
    ({"consumer_did": "not-a-did"}, "/consumer_did"),
    ({"consumer_did": "did:foo:bar"}, "/consumer_did"),
    ({"title": "   "}, "/title"),
    ({"terms": " "}, "/terms"),
])
def test_invalid_content_names_the_field(bad, pointer):
    with pytest.raises(ValidationFailed) as error:
        decide(None, Create("c1", content(**bad)), PROVIDER, NOW)
    assert pointer in [e["pointer"] for e in error.value.extra["errors"]]


def test_submit_freezes_the_digest_over_canonical_content():
    c = in_review()
    expected = digest_of({"schema": "cms.contract/v1", "id": "c1", **content().to_json()})
    assert c.status == Status.REVIEW and c.digest == expected == content_digest("c1", c.content)


def test_the_last_signature_moves_review_to_signed():
    c = in_review()
    c = step(c, Sign(signature(c, PROVIDER, "provider"), {}), PROVIDER)
    assert c.status == Status.REVIEW and c.pending_signers == [CONSUMER]
    c = step(c, Sign(signature(c, CONSUMER, "consumer"), {}), CONSUMER)
    assert c.status == Status.SIGNED and len(c.signatures) == 2


def test_a_party_signs_once_and_only_for_itself():
    c = in_review()
    c = step(c, Sign(signature(c, PROVIDER, "provider"), {}), PROVIDER)
    with pytest.raises(AlreadySigned):
        step(c, Sign(signature(c, PROVIDER, "provider"), {}), PROVIDER)
    with pytest.raises(Forbidden):
        step(c, Sign(signature(c, PROVIDER, "provider"), {}), CONSUMER)


def test_a_signature_over_another_digest_is_refused():
    c = in_review()
    stale = replace(signature(c, CONSUMER, "consumer"), digest="0" * 64)
    with pytest.raises(IllegalTransition):
        step(c, Sign(stale, {}), CONSUMER)


def test_request_changes_returns_to_draft_and_clears_signatures():
    c = in_review()
    c = step(c, Sign(signature(c, PROVIDER, "provider"), {}), PROVIDER)
    c = step(c, RequestChanges("price too high"), CONSUMER)
    assert c.status == Status.DRAFT and c.signatures == () and c.digest is None
    c = step(c, Update({"terms": {"price": 5}}), PROVIDER)
    assert c.content.terms == {"price": 5}


def test_activation_waits_for_valid_from_and_stops_at_valid_until():
    c = signed()
    with pytest.raises(NotYetValid):
        step(c, Activate(), PROVIDER, NOW - timedelta(seconds=1))
    with pytest.raises(ValidityEnded):
        step(c, Activate(), PROVIDER, NOW + timedelta(days=31))
    assert step(c, Activate(), CONSUMER).status == Status.ACTIVE


def test_complete_and_terminate_end_the_contract():
    active = step(signed(), Activate(), PROVIDER)
    assert step(active, Complete(), CONSUMER).status == Status.COMPLETED
    assert step(active, Terminate("breach"), PROVIDER).status == Status.TERMINATED


def test_only_the_platform_expires_and_only_after_valid_until():
    active = step(signed(), Activate(), PROVIDER)
    with pytest.raises(Forbidden):
        step(active, Expire(), PROVIDER, NOW + timedelta(days=31))
    with pytest.raises(IllegalTransition):
        step(active, Expire(), SYSTEM_ACTOR, NOW + timedelta(days=1))
    assert step(active, Expire(), SYSTEM_ACTOR, NOW + timedelta(days=30)).status == Status.EXPIRED


@pytest.mark.parametrize("command", [Submit(), Activate(), Complete(), Update({"title": "x"})])
def test_illegal_transitions_report_the_current_state(command):
    finished = step(step(signed(), Activate(), PROVIDER), Complete(), PROVIDER)
    with pytest.raises((IllegalTransition, Forbidden)) as error:
        step(finished, command, PROVIDER)
    if isinstance(error.value, IllegalTransition):
        assert error.value.extra["current_status"] == "completed"


@pytest.mark.parametrize("command, actor", [
    (Submit(), CONSUMER), (Update({"title": "x"}), CONSUMER), (Terminate("x"), STRANGER),
])
def test_roles_are_enforced(command, actor):
    c = step(None, Create("c1", content()), PROVIDER)
    with pytest.raises(Forbidden):
        step(c, command, actor)


def test_an_update_that_changes_nothing_records_nothing():
    from cms.domain.contracts import NothingToChange

    c = step(None, Create("c1", content()), PROVIDER)
    with pytest.raises(NothingToChange):
        decide(c, Update({"title": "Data licence"}), PROVIDER, NOW)
    with pytest.raises(NothingToChange):
        decide(c, Update({}), PROVIDER, NOW)
    assert decide(c, Update({"title": "New", "description": ""}), PROVIDER, NOW).data[
        "changed"] == ["title"]


SOLANA = ("did:pkh:solana:4sGjMW1sUnHzSxGspuhpqLDx6wiyjNtZ:"
          "CKg5d12Jhpej1JqtmxLJgaFqqeYjxgPqToJ4LBdvG9Ev")
SAME_KEY_AS_PROVIDER = "did:ethr:0xB9C5714089478a327F09197987f16f9E5d936E8a"  # PROVIDER's address


@pytest.mark.parametrize("bad, pointer", [
    ({"terms": {"x": float("nan")}}, "/terms"),
    ({"terms": {"x": float("inf")}}, "/terms"),
    ({"metadata": {"n": 2**60}}, "/metadata"),
    ({"terms": {"blob": "x" * 40_000}}, ""),
    ({"consumer_did": SAME_KEY_AS_PROVIDER}, "/consumer_did"),
    ({"consumer_did": "did:key:z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW"}, "/consumer_did"),
    ({"consumer_did": SOLANA}, "/consumer_did"),
    ({"valid_from": "0001-01-01T00:00:00+01:00"}, "/valid_from"),
    ({"valid_until": "9999-12-31T23:59:59-01:00"}, "/valid_until"),
])
def test_content_that_cannot_be_hashed_or_signed_is_refused(bad, pointer):
    with pytest.raises(ValidationFailed) as error:
        decide(None, Create("c1", content(**bad)), PROVIDER, NOW)
    assert pointer in [e["pointer"] for e in error.value.extra["errors"]]


def test_a_contract_must_end_in_the_future():
    past = content(valid_from=iso_utc(NOW - timedelta(days=2)),
                   valid_until=iso_utc(NOW - timedelta(days=1)))
    with pytest.raises(ValidationFailed):
        decide(None, Create("c1", past), PROVIDER, NOW)


def test_nothing_but_expiry_happens_after_valid_until():
    c = in_review()
    later = NOW + timedelta(days=30)
    for command, actor in [(Sign(signature(c, PROVIDER, "provider"), {}), PROVIDER),
                           (RequestChanges(None), CONSUMER), (Terminate("x"), PROVIDER)]:
        with pytest.raises(ValidityEnded):
            step(c, command, actor, later)
    assert step(c, Expire(), SYSTEM_ACTOR, later).status == Status.EXPIRED


def test_an_edit_from_1_to_true_is_a_change():
    c = step(None, Create("c1", content(terms={"a": 1})), PROVIDER)
    assert decide(c, Update({"terms": {"a": True}}), PROVIDER, NOW).data["changed"] == ["terms"]


# ---------------------------------------------------------------- attachments


def attachment(**changes):
    return {"id": "a1", "name": "dpia.pdf", "media_type": "application/pdf", "size": 10,
            "sha256": "ab" * 32, "uploaded_by": CONSUMER, "object_version": "v1",
            "added_at": iso_utc(NOW), **changes}


def test_an_attachment_joins_the_draft_content_and_so_the_digest():
    draft = step(None, Create("c1", content()), PROVIDER)
    attached = step(draft, AddAttachment(attachment()), SYSTEM_ACTOR)
    assert attached.content.metadata["attachments"] == [attachment()]
    assert content_digest("c1", attached.content) != content_digest("c1", draft.content)
    submitted = step(attached, Submit(), PROVIDER)
    assert submitted.digest == content_digest("c1", attached.content)


def test_attachments_are_registered_once_by_the_platform_on_drafts_only():
    draft = step(None, Create("c1", content()), PROVIDER)
    with pytest.raises(Forbidden):
        step(draft, AddAttachment(attachment()), PROVIDER)  # only the upload trigger
    attached = step(draft, AddAttachment(attachment()), SYSTEM_ACTOR)
    with pytest.raises(AttachmentExists):
        step(attached, AddAttachment(attachment()), SYSTEM_ACTOR)
    with pytest.raises(IllegalTransition):
        step(in_review(), AddAttachment(attachment()), SYSTEM_ACTOR)
    with pytest.raises(Forbidden):
        step(draft, AddAttachment(attachment(uploaded_by=STRANGER)), SYSTEM_ACTOR)
    with pytest.raises(ValidationFailed):
        step(draft, AddAttachment(attachment(size="10")), SYSTEM_ACTOR)


def test_a_forged_attachment_event_breaks_the_replay():
    draft = step(None, Create("c1", content()), PROVIDER)
    forged = seal(stream="contract:c1", seq=1, prev_hash=draft.head_hash, event_id="e1",
                  event_type="contract.attachment_added", actor=SYSTEM_ACTOR,
                  at=iso_utc(NOW), data={"attachment": attachment(uploaded_by=STRANGER)})
    with pytest.raises(InvalidHistory, match="party"):
        evolve(draft, forged)


def test_client_metadata_cannot_claim_platform_keys():
    for key in ("template", "document", "attachments"):
        with pytest.raises(ValidationFailed) as error:
            check_client_metadata({key: {}, "ok": 1})
        assert error.value.extra["errors"] == [{"pointer": f"/metadata/{key}",
                                                "message": "reserved: set by the platform"}]
    check_client_metadata({"ref": "PO-7"})
