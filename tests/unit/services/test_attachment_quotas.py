"""Attachment quotas, per contract and per identity (count and bytes): refused with a problem
before any upload form is issued, enforced again when the upload arrives (forms issued
together could pass a quota together), and a file that breaks them is deleted, never kept."""

from __future__ import annotations

import base64
import json

import pytest

from cms.config import Misconfigured, Settings
from cms.domain.errors import DependencyUnavailable, DomainError
from tests.unit.services.contract_world import World
from tests.unit.services.http import Http
from tests.unit.services.test_contract_documents import attached, upload


def grant(world, party, contract_id, size=1, name="a.txt"):
    return world.services.documents.request_upload(party.caller, contract_id, name=name,
                                                    media_type="text/plain", size=size)


def refusal(call) -> dict:
    """The problem's members when ``call`` is refused for a quota (by its stable code)."""
    with pytest.raises(DomainError) as refused:
        call()
    assert refused.value.status == 409 and refused.value.code == "attachment_quota_exceeded"
    return refused.value.extra


def kept(world, key, version) -> bool:
    try:
        world.services.bucket("CMS_DOCUMENTS_BUCKET").get(key, version)
    except KeyError:
        return False
    return True


def attachments(world, party, contract_id) -> list[dict]:
    return world.contracts.get(party.caller, contract_id).content.metadata.get(
        "attachments", [])


def usage(world, party):
    """What the party's uploads are charged (nothing to read where nothing is counted)."""
    return world.services.storage_usage.usage(party.did)


def test_a_contract_holds_at_most_its_count_and_bytes(parties):
    provider, consumer = parties
    world = World(contract_attachments_max=2, contract_attachment_bytes_max=100)
    contract = world.draft(provider, consumer)
    attached(world, provider, contract.id, body=b"x" * 60)
    assert refusal(lambda: grant(world, consumer, contract.id, size=41)) == {
        "scope": "contract", "unit": "bytes", "limit": 100, "used": 60, "requested": 41}
    attached(world, consumer, contract.id, body=b"y" * 40)
    assert refusal(lambda: grant(world, provider, contract.id)) == {
        "scope": "contract", "unit": "attachments", "limit": 2, "used": 2, "requested": 1}


def test_an_identity_holds_at_most_its_count_and_bytes_over_every_contract(parties):
    provider, consumer = parties
    world = World(identity_attachments_max=2, identity_attachment_bytes_max=50)
    first, second, third = (world.draft(provider, consumer) for _ in range(3))
    attached(world, consumer, first.id, body=b"x" * 30)
    assert refusal(lambda: grant(world, consumer, second.id, size=21))["scope"] == "identity"
    attached(world, consumer, second.id, body=b"y" * 20)
    assert refusal(lambda: grant(world, consumer, third.id)) == {
        "scope": "identity", "unit": "attachments", "limit": 2, "used": 2, "requested": 1}
    assert (usage(world, consumer).objects, usage(world, consumer).bytes) == (2, 50)
    attached(world, provider, third.id)  # the other party's own allowance


def test_forms_issued_together_cannot_pass_the_contract_quota_together(parties):
    provider, consumer = parties
    world = World(contract_attachment_bytes_max=100)
    contract = world.draft(provider, consumer)
    first, second = grant(world, provider, contract.id, 60), grant(world, consumer,
                                                                    contract.id, 60)
    key1, version1 = upload(world, first, b"a" * 60)
    key2, version2 = upload(world, second, b"b" * 60)
    documents = world.services.documents
    assert documents.register_upload(key1, version1).registered
    late = documents.register_upload(key2, version2)
    assert not late.registered and "100 bytes" in late.reason
    assert not kept(world, key2, version2) and kept(world, key1, version1)
    assert len(attachments(world, provider, contract.id)) == 1
    assert usage(world, consumer).objects == 0  # the refused file is not charged


def test_forms_issued_together_cannot_pass_the_identity_quota_together(parties):
    provider, consumer = parties
    world = World(identity_attachments_max=1)
    contracts = [world.draft(provider, consumer) for _ in range(2)]
    grants = [grant(world, consumer, contract.id) for contract in contracts]
    uploads = [upload(world, each, b"z") for each in grants]
    outcomes = [world.services.documents.register_upload(*each) for each in uploads]
    assert [outcome.registered for outcome in outcomes] == [True, False]
    assert not kept(world, *uploads[1])
    assert attachments(world, consumer, contracts[1].id) == []
    assert usage(world, consumer).objects == 1


def test_a_retried_registration_is_charged_once(parties, monkeypatch):
    provider, consumer = parties
    world = World()
    contract = world.draft(provider, consumer)
    key, version = upload(world, grant(world, consumer, contract.id, 5), b"12345")
    documents, real = world.services.documents, world.contracts.add_attachment

    def outage(*args, **kwargs):
        raise DependencyUnavailable("DynamoDB is down")

    monkeypatch.setattr(world.contracts, "add_attachment", outage)
    with pytest.raises(DependencyUnavailable):  # EventBridge delivers it again
        documents.register_upload(key, version)
    monkeypatch.setattr(world.contracts, "add_attachment", real)
    assert documents.register_upload(key, version).registered
    assert documents.register_upload(key, version).reason == "already registered"
    assert (usage(world, consumer).objects, usage(world, consumer).bytes) == (1, 5)


def test_an_upload_refused_for_another_reason_gives_its_charge_back(parties):
    provider, consumer = parties
    world = World()
    contract = world.draft(provider, consumer)
    key, version = upload(world, grant(world, consumer, contract.id, 3), b"abc")
    world.contracts.submit(provider.caller, contract.id)  # too late: no longer a draft
    refused = world.services.documents.register_upload(key, version)
    assert not refused.registered and not kept(world, key, version)
    assert (usage(world, consumer).objects, usage(world, consumer).bytes) == (0, 0)


def test_more_bytes_than_declared_are_deleted_unread(parties, monkeypatch):
    """Where S3 does not enforce the form's length (moto), the registration does, from the
    object's size alone: the file is neither read, charged nor kept."""
    provider, consumer = parties
    world = World()
    contract = world.draft(provider, consumer)
    key, version = upload(world, grant(world, consumer, contract.id, 4), b"x" * 5000)
    store = world.services.documents._store

    def unread(*args):
        raise AssertionError("a file larger than declared was read")

    monkeypatch.setattr(store, "hash_attachment", unread)
    refused = world.services.documents.register_upload(key, version)
    assert not refused.registered and "5000 bytes arrived, 4 declared" in refused.reason
    assert not kept(world, key, version) and usage(world, consumer).objects == 0


def test_the_form_admits_exactly_the_declared_length(world, parties):
    provider, consumer = parties
    contract = world.draft(provider, consumer)
    fields = grant(world, consumer, contract.id, 1234).upload.fields
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", 1234, 1234] in policy["conditions"]
    assert {"x-amz-meta-declared-size": "1234"} in policy["conditions"]


def test_a_record_that_would_not_fit_the_content_is_refused_before_the_upload(world, parties):
    provider, consumer = parties
    contract = world.draft(provider, consumer, description="d" * 9000)
    long_name = "\U0001f4c4" * 200  # 800 bytes of UTF-8
    count = 0
    with pytest.raises(DomainError) as refused:
        for count in range(50):  # noqa: B007 - the count is read after the refusal
            attached(world, provider, contract.id, name=long_name)
    assert refused.value.code == "attachment_quota_exceeded", refused.value
    assert refused.value.extra["unit"] == "content_bytes" and 0 < count < 50
    assert len(attachments(world, provider, contract.id)) == count


def test_the_api_answers_a_quota_as_a_problem_and_issues_no_form(parties):
    provider, consumer = parties
    world = World(identity_attachments_max=0)
    contract = world.draft(provider, consumer)
    answer = Http(world)("POST", f"/api/v1/contracts/{contract.id}/attachments", consumer,
                         {"name": "annex.pdf", "media_type": "application/pdf", "size": 10})
    assert (answer.status, answer.code) == (409, "attachment_quota_exceeded"), answer.text
    assert {key: answer.body[key] for key in ("scope", "unit", "limit", "used", "requested")} \
        == {"scope": "identity", "unit": "attachments", "limit": 0, "used": 0, "requested": 1}
    assert "upload" not in answer.body


@pytest.mark.parametrize("variable, value", [
    ("CMS_CONTRACT_ATTACHMENTS_MAX", "51"),  # a contract's content holds at most 50
    ("CMS_ATTACHMENT_MAX_BYTES", str(25 * 1024 * 1024 + 1)),
    ("CMS_IDENTITY_ATTACHMENT_BYTES_MAX", "-1"),
    ("CMS_VALIDITY_HORIZON_DAYS", "36526"),
    ("CMS_DOCUMENT_RETENTION_DAYS", "100000000"),
    ("CMS_DOCUMENT_LOCK_MODE", "governance"),
])
def test_storage_settings_out_of_range_are_misconfigured(variable, value):
    with pytest.raises(Misconfigured) as refused:
        Settings.from_environ({variable: value})
    assert variable in refused.value.detail


def test_the_settings_bounds_are_the_domains():
    from cms.config import _STORAGE_RANGES
    from cms.domain.contracts.attachments import MAX_ATTACHMENT_BYTES
    from cms.domain.contracts.ranges import VALIDITY_HORIZON
    from cms.domain.contracts.retention import LOCK_MODE, MAX_RETENTION
    from cms.domain.drafting import MAX_ATTACHMENTS

    assert _STORAGE_RANGES["validity_horizon_days"][1] == VALIDITY_HORIZON.days
    assert _STORAGE_RANGES["document_retention_days"][1] == MAX_RETENTION.days
    assert _STORAGE_RANGES["attachment_max_bytes"][1] == MAX_ATTACHMENT_BYTES
    assert _STORAGE_RANGES["contract_attachments_max"][1] == MAX_ATTACHMENTS
    assert Settings().document_lock_mode == LOCK_MODE
