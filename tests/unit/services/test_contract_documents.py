"""A contract's document and attachments on in-memory stores: upload grants, registration of
what arrives (or its refusal), download links, and retention once signed."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

import pytest

from cms.domain.canonical import parse_iso
from cms.domain.contracts import Create, record_change
from cms.domain.errors import (
    AttachmentQuotaExceeded,
    DocumentNotFound,
    Forbidden,
    IllegalTransition,
    ValidationFailed,
)
from tests.unit.services.contract_world import World, eth_party


def upload(world, grant, body: bytes) -> tuple[str, str]:
    """What a client's presigned POST leaves in the bucket: (key, version). The uploader is
    a registered identity, as the holder of the token that asked for the form is."""
    fields = grant.upload.fields
    metadata = {name.removeprefix("x-amz-meta-"): value for name, value in fields.items()
                if name.startswith("x-amz-meta-")}
    world.enrol(metadata["uploaded-by"])
    bucket = world.services.bucket("CMS_DOCUMENTS_BUCKET")
    return fields["key"], bucket.put(fields["key"], body, fields["Content-Type"],
                                     metadata=metadata)


def attached(world, party, contract_id, name="dpia.txt", body=b"assessment"):
    documents = world.services.documents
    grant = documents.request_upload(party.caller, contract_id, name=name,
                                     media_type="text/plain", size=len(body))
    key, version = upload(world, grant, body)
    return grant, key, version, documents.register_upload(key, version)


def test_an_uploaded_file_is_hashed_and_becomes_part_of_the_draft(world, parties):
    provider, consumer = parties
    contract = world.draft(provider, consumer)
    grant, _, version, registration = attached(world, consumer, contract.id)
    assert grant.max_bytes == len(b"assessment") and grant.upload.url
    assert registration.registered and registration.attachment_id == grant.attachment_id
    updated = world.contracts.get(provider.caller, contract.id)
    [record] = updated.content.metadata["attachments"]
    assert record["sha256"] == hashlib.sha256(b"assessment").hexdigest()
    assert (record["name"], record["uploaded_by"], record["object_version"]) == (
        "dpia.txt", consumer.did, version)
    link = world.services.documents.attachment(provider.caller, contract.id, record["id"])
    assert (link.id, link.sha256, link.size) == (record["id"], record["sha256"], 10)
    assert link.url and link.expires_in > 0
    events = world.contracts.events(provider.caller, contract.id)
    assert [e.event_type for e in events] == ["contract.created", "contract.attachment_added"]
    assert events[-1].actor == "system:lifecycle"
    assert world.contracts.verify(provider.caller, contract.id).valid


def test_a_repeated_delivery_registers_once_and_a_second_upload_is_discarded(world, parties):
    provider, consumer = parties
    contract = world.draft(provider, consumer)
    _, key, version, _ = attached(world, provider, contract.id)
    documents, bucket = world.services.documents, world.services.bucket("CMS_DOCUMENTS_BUCKET")
    assert documents.register_upload(key, version).reason == "already registered"
    second = bucket.put(key, b"another body", "text/plain")
    assert documents.register_upload(key, second).registered
    with pytest.raises(KeyError):
        bucket.get(key, second)  # the grant was for one file: the other is deleted
    assert bucket.get(key, version).body == b"assessment"
    assert len(world.contracts.get(provider.caller, contract.id)
               .content.metadata["attachments"]) == 1


def test_an_upload_that_breaks_its_grant_is_deleted_not_registered(world, parties):
    provider, consumer = parties
    contract = world.draft(provider, consumer)
    documents = world.services.documents
    grant = documents.request_upload(provider.caller, contract.id, name="a.txt",
                                     media_type="text/plain", size=5)
    key, version = upload(world, grant, b"much more than five bytes")
    registration = documents.register_upload(key, version)
    assert not registration.registered and "declared" in registration.reason
    with pytest.raises(KeyError):
        world.services.bucket("CMS_DOCUMENTS_BUCKET").get(key, version)
    assert "attachments" not in world.contracts.get(provider.caller,
                                                    contract.id).content.metadata
    assert documents.register_upload("contracts/x/document/y.pdf", None) is None


def test_uploads_are_for_parties_to_drafts_within_the_limits(world, parties):
    provider, consumer = parties
    documents = world.services.documents
    contract = world.draft(provider, consumer)
    auditor = eth_party(roles=frozenset({"auditor"}))
    with pytest.raises(Forbidden):
        documents.request_upload(auditor.caller, contract.id, name="a.txt",
                                 media_type="text/plain", size=1)
    for name, media_type, size, pointer in (("x.exe", "application/x-msdownload", 2,
                                             "/media_type"),
                                            ("../../etc/passwd", "text/plain", 1, "/name"),
                                            ("big.pdf", "application/pdf", 10**12, "/size")):
        with pytest.raises(ValidationFailed) as refused:
            documents.request_upload(provider.caller, contract.id, name=name,
                                     media_type=media_type, size=size)
        assert [e["pointer"] for e in refused.value.extra["errors"]] == [pointer]
    world.contracts.submit(provider.caller, contract.id)
    with pytest.raises(IllegalTransition):
        documents.request_upload(consumer.caller, contract.id, name="late.txt",
                                 media_type="text/plain", size=1)


def test_a_draft_holds_a_bounded_number_of_attachments(parties):
    provider, consumer = parties
    world = World(contract_attachments_max=1)
    contract = world.draft(provider, consumer)
    attached(world, provider, contract.id)
    with pytest.raises(AttachmentQuotaExceeded) as refused:
        world.services.documents.request_upload(provider.caller, contract.id, name="b.txt",
                                                 media_type="text/plain", size=1)
    assert refused.value.status == 409 and refused.value.extra["unit"] == "attachments"


def test_only_a_template_contract_has_a_document(world, parties):
    provider, consumer = parties
    contract = world.draft(provider, consumer)
    with pytest.raises(DocumentNotFound):
        world.services.documents.document(provider.caller, contract.id, "pdf")
    with pytest.raises(DocumentNotFound):
        world.services.documents.attachment(provider.caller, contract.id, str(uuid.uuid4()))


def test_a_documents_link_names_its_digest(world, parties):
    provider, consumer = parties
    digest = hashlib.sha256(b"%PDF").hexdigest()
    content = world.content(provider, consumer, metadata={
        "document": {"pdf": {"sha256": digest, "size": 4, "version": None}}})
    contract, event = record_change(None, Create(str(uuid.uuid4()), content),
                                    actor=provider.did, now=world.clock.now, event_id="e")
    world.store.commit(contract, event, expected_version=None)
    world.services.bucket("CMS_DOCUMENTS_BUCKET").put(
        f"contracts/{contract.id}/document/{digest}.pdf", b"%PDF", "application/pdf")
    link = world.services.documents.document(consumer.caller, contract.id, "pdf")
    assert (link.sha256, link.size, link.media_type, link.signed) == (
        digest, 4, "application/pdf", False)


def test_a_signed_contracts_files_are_locked_past_its_end(world, parties):
    provider, consumer = parties
    contract = world.draft(provider, consumer)
    _, key, version, _ = attached(world, provider, contract.id)
    with pytest.raises(IllegalTransition):
        world.services.documents.lock_signed(world.contracts.current(contract.id))
    world.contracts.submit(provider.caller, contract.id)
    world.sign(provider, contract.id)
    signed = world.sign(consumer, contract.id)
    assert world.services.documents.lock_signed(signed) == 1
    head = world.services.bucket("CMS_DOCUMENTS_BUCKET").head(key, version)
    retention = timedelta(days=world.services.settings.document_retention_days)
    assert head.locked_until == parse_iso(signed.content.valid_until) + retention


def test_a_renewed_grant_is_a_new_form_for_the_same_attachment_registered_once(parties):
    """What a repeated request with its Idempotency-Key answers: the quota that refuses a
    new grant does not refuse the renewal, and a second upload to the id is discarded."""
    provider, consumer = parties
    world = World(contract_attachments_max=1)
    contract = world.draft(provider, consumer)
    documents = world.services.documents
    grant, key, _, registration = attached(world, consumer, contract.id)
    assert registration.registered
    renewed = documents.renew_upload(consumer.caller, contract.id, grant.attachment_id,
                                     name="dpia.txt", media_type="text/plain", size=10)
    assert renewed.attachment_id == grant.attachment_id
    assert renewed.upload.fields["key"] == key and renewed.expires_in == grant.expires_in
    again_key, again_version = upload(world, renewed, b"assessmen2")
    assert documents.register_upload(again_key, again_version).reason == "already registered"
    [record] = world.contracts.get(provider.caller, contract.id).content.metadata[
        "attachments"]
    assert record["sha256"] == hashlib.sha256(b"assessment").hexdigest()
    auditor = eth_party(roles=frozenset({"auditor"}))
    with pytest.raises(Forbidden):
        documents.renew_upload(auditor.caller, contract.id, grant.attachment_id,
                               name="dpia.txt", media_type="text/plain", size=10)
