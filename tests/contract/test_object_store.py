"""Buckets: versions, conditional writes, pinned reads, locks, presigned links."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from cms.ports.objects import ObjectExists


@pytest.fixture
def bucket(services):
    return services.bucket("CMS_DOCUMENTS_BUCKET")


def key() -> str:
    return f"contracts/{uuid.uuid4()}/document/x.pdf"


def test_every_write_is_a_version_and_old_versions_stay_readable(bucket):
    name = key()
    first = bucket.put(name, b"one", "text/plain", metadata={"sha256": "a"})
    second = bucket.put(name, b"two", "text/plain")
    assert first and second and first != second
    assert bucket.get(name).body == b"two"
    pinned = bucket.get(name, first)
    assert (pinned.body, pinned.version_id, pinned.metadata) == (b"one", first, {"sha256": "a"})
    head = bucket.head(name, first)
    assert (head.size, head.content_type, head.version_id) == (3, "text/plain", first)
    assert b"".join(bucket.chunks(name, second, size=1)) == b"two"


def test_a_conditional_write_never_replaces(bucket):
    name = key()
    bucket.put(name, b"one", "text/plain", if_absent=True)
    with pytest.raises(ObjectExists):
        bucket.put(name, b"two", "text/plain", if_absent=True)
    assert bucket.get(name).body == b"one"


def test_absent_objects_and_versions_are_key_errors(bucket):
    with pytest.raises(KeyError):
        bucket.get(key())
    with pytest.raises(KeyError):
        bucket.head(key())
    name = key()
    version = bucket.put(name, b"x", "text/plain")
    bucket.delete(name, version)
    with pytest.raises(KeyError):
        bucket.get(name, version)


def test_a_locked_version_reports_its_retention(bucket):
    name = key()
    version = bucket.put(name, b"signed", "application/pdf")
    until = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    bucket.lock(name, version, until, "GOVERNANCE")
    head = bucket.head(name, version)
    assert head.lock_mode == "GOVERNANCE" and head.locked_until == until


def test_links_name_the_object(bucket):
    name = key()
    version = bucket.put(name, b"x", "application/pdf")
    assert bucket.download_url(name, version, ttl_s=60, filename="x.pdf")
    form = bucket.upload_form(name, content_type="application/pdf", max_bytes=10, ttl_s=60,
                              metadata={"uploaded-by": "did:key:z6Mk"})
    assert form["url"] and form["fields"]["Content-Type"] == "application/pdf"


def test_an_upload_form_admits_only_its_length_type_and_metadata(bucket):
    """What S3 enforces (moto does not: the registration checks again): the policy pins the
    declared length, so a client cannot store more than it asked a grant for."""
    import base64
    import json

    name = key()
    form = bucket.upload_form(name, content_type="text/plain", min_bytes=42, max_bytes=42,
                              ttl_s=60, metadata={"declared-size": "42"})
    conditions = json.loads(base64.b64decode(form["fields"]["policy"]))["conditions"]
    assert ["content-length-range", 42, 42] in conditions
    assert {"Content-Type": "text/plain"} in conditions
    assert {"x-amz-meta-declared-size": "42"} in conditions
    assert {"bucket": bucket.name} in conditions
