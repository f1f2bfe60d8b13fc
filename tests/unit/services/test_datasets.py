"""Datasets on the in-memory stores: upload grants (the provider's, for the contract's own
datasets, within the size limit), registration of what S3 reports (checked, sealed to the
enclave's key, the plain upload deleted), the listing, and what a job is queued with.

S3's presigned POST and its Object Created event through EventBridge are in
tests/e2e/test_training_runs.py.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace

import pytest

from cms.domain.contracts import Status
from cms.domain.datasets import MAX_ARCHIVE_BYTES
from cms.domain.errors import Forbidden, IllegalTransition, NotFound, ValidationFailed
from cms.domain.privacy import NotATrainingContract
from cms.services.datasets import sealed_key
from cms_wire.datasets import open_dataset
from tests.unit.services.training_setup import (
    TrainingServices,
    archive,
    contract,
    moved_to,
    party,
    training_terms,
    with_budget,
)


@pytest.fixture
def services() -> TrainingServices:
    return TrainingServices()


@pytest.fixture
def signed(services):
    provider, consumer = party(), party()
    return provider, consumer, contract(services, provider, consumer, status=Status.SIGNED)


def uploaded(services, grant, body: bytes) -> str:
    """What the provider's POST leaves in the bucket; returns its key."""
    fields = grant.upload["fields"]
    bucket = services.bucket("CMS_TRAINING_BUCKET")
    bucket.put(fields["key"], body, fields["Content-Type"],
               metadata={"uploader": fields["x-amz-meta-uploader"]})
    return fields["key"]


def test_the_provider_gets_a_grant_for_one_of_the_contracts_datasets(services, signed):
    provider, _, made = signed
    grant = services.datasets.upload_grant(provider, made.id, "mnist-train", 1234)
    assert (grant.contract_id, grant.dataset_id, grant.media_type, grant.expires_in) == (
        made.id, "mnist-train", "application/zip", 900)
    assert grant.upload["fields"]["key"].startswith(f"training/uploads/{made.id}/mnist-train/")
    assert grant.upload["fields"]["x-amz-meta-uploader"] == provider.did
    assert grant.upload["fields"]["key"].endswith(f"/{grant.upload_id}.zip")
    # A repeated request (its Idempotency-Key) gets a form for the same object again.
    again = services.datasets.upload_grant(provider, made.id, "mnist-train", 1234,
                                           grant.upload_id)
    assert again.upload["fields"]["key"] == grant.upload["fields"]["key"]


def test_grants_are_refused_to_others_for_other_datasets_sizes_and_states(services, signed):
    provider, consumer, made = signed
    with pytest.raises(Forbidden):
        services.datasets.upload_grant(consumer, made.id, "mnist-train", 10)
    with pytest.raises(NotFound):
        services.datasets.upload_grant(party(), made.id, "mnist-train", 10)
    with pytest.raises(ValidationFailed):
        services.datasets.upload_grant(provider, made.id, "other", 10)
    for size in (0, -1, MAX_ARCHIVE_BYTES + 1, 10**400):
        with pytest.raises(ValidationFailed):
            services.datasets.upload_grant(provider, made.id, "mnist-train", size)
    for status in (Status.DRAFT, Status.REVIEW, Status.COMPLETED, Status.TERMINATED):
        moved_to(services, made, status)
        with pytest.raises(IllegalTransition):
            services.datasets.upload_grant(provider, made.id, "mnist-train", 10)


def test_an_upload_is_checked_sealed_and_registered_and_a_job_trains_on_it(services, signed):
    provider, consumer, made = signed
    data = archive()
    grant = services.datasets.upload_grant(provider, made.id, "mnist-train", len(data))
    key = uploaded(services, grant, data)
    registration = services.datasets.register(key, None)
    assert (registration.registered, registration.dataset_id) == (True, "mnist-train")
    bucket = services.bucket("CMS_TRAINING_BUCKET")
    with pytest.raises(KeyError):
        bucket.get(key)  # the plain upload is gone
    [listed] = services.datasets.datasets(consumer, made.id)
    assert (listed.id, listed.registered, listed.sha256, listed.size, listed.train_examples,
            listed.test_examples, listed.uploader) == (
        "mnist-train", True, hashlib.sha256(data).hexdigest(), len(data), 30, 10, provider.did)
    sealed = services.datasets.sealed(made.id, ("mnist-train",))
    uri = f"s3://{bucket.name}/{sealed_key(made.id, 'mnist-train')}"
    assert (sealed.uri, sealed.sha256) == (uri, hashlib.sha256(data).hexdigest())
    stored = bucket.get(sealed_key(made.id, "mnist-train"), sealed.version).body
    plaintext = services.data_keys.unwrap(sealed.wrapped_key)  # as the enclave would
    assert data not in stored and open_dataset(stored, plaintext, uri) == data
    assert sealed.to_message()["dataset_key"] == base64.b64encode(sealed.wrapped_key).decode()


def test_corrupt_or_foreign_uploads_are_deleted_unregistered(services, signed):
    provider, consumer, made = signed
    grant = services.datasets.upload_grant(provider, made.id, "mnist-train", 100)
    key = uploaded(services, grant, b"PK\x03\x04 not a zip")
    registration = services.datasets.register(key, None)
    assert not registration.registered and "zip" in registration.reason
    forged = services.bucket("CMS_TRAINING_BUCKET")
    forged.put(key, archive(), "application/zip", metadata={"uploader": consumer.did})
    assert not services.datasets.register(key, None).registered
    assert [d.registered for d in services.datasets.datasets(provider, made.id)] == [False]
    assert services.datasets.register("training/uploads/elsewhere.zip", None) is None
    assert services.datasets.register(key, None).reason == "the upload is gone"


def test_an_upload_under_terms_turned_hostile_is_refused_not_retried(services, signed):
    provider, _, made = signed
    grant = services.datasets.upload_grant(provider, made.id, "mnist-train", 100)
    key = uploaded(services, grant, archive())
    hostile = with_budget(training_terms(), epsilon="1e20")
    services.contract_file.put(replace(made, content=replace(made.content, terms=hostile)))
    registration = services.datasets.register(key, None)
    assert not registration.registered and "privacy_budget.epsilon" in registration.reason
    with pytest.raises(NotATrainingContract):
        services.datasets.datasets(provider, made.id)


def test_unreadable_registration_counts_are_shown_as_unknown(services, signed):
    provider, _, made = signed
    services.bucket("CMS_TRAINING_BUCKET").put(
        sealed_key(made.id, "mnist-train"), b"sealed", "application/octet-stream",
        metadata={"sha256": "ab" * 32, "size": "9" * 10_000, "train-examples": "²",
                  "test-examples": "-1", "uploader": ""})
    [listed] = services.datasets.datasets(provider, made.id)
    assert (listed.registered, listed.size, listed.train_examples, listed.test_examples,
            listed.uploader) == (True, None, None, None, None)
