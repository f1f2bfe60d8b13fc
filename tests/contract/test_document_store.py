"""Contract documents and attachments on the object store: content-addressed renderings
pinned by version, attachment keys, hashing what was uploaded, and retention locks."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from cms.adapters.document_store import DocumentStore


@dataclass
class Rendered:
    """A rendered document as the store takes it (the real renderer is tested elsewhere)."""

    files: dict[str, bytes]

    def digests(self) -> dict[str, str]:
        return {fmt: hashlib.sha256(body).hexdigest() for fmt, body in self.files.items()}

    def content(self, fmt: str) -> bytes:
        return self.files[fmt]


@pytest.fixture
def documents(services) -> DocumentStore:
    return DocumentStore(services.bucket("CMS_DOCUMENTS_BUCKET"))


def test_each_rendering_is_stored_under_its_digest_and_pinned_by_version(documents):
    contract_id = str(uuid.uuid4())
    rendered = Rendered({"markdown": b"# Licence", "html": b"<h1>Licence</h1>"})
    versions = documents.put_document(contract_id, rendered)
    assert set(versions) == {"markdown", "html"} and all(versions.values())
    for fmt, digest in rendered.digests().items():
        key = documents.document_key(contract_id, fmt, digest)
        assert key.startswith(f"contracts/{contract_id}/document/{digest}.")
        assert documents.bucket.get(key, versions[fmt]).body == rendered.content(fmt)
        assert documents.document_url(contract_id, fmt, digest, versions[fmt], ttl_s=60,
                                      filename="x")


def test_an_uploaded_attachment_is_hashed_as_stored(documents):
    contract_id, attachment_id = str(uuid.uuid4()), str(uuid.uuid4())
    key = documents.attachment_key(contract_id, attachment_id)
    assert documents.parse_attachment_key(key) == (contract_id, attachment_id)
    assert documents.parse_attachment_key(f"contracts/{contract_id}/document/x.pdf") is None
    form = documents.upload_form(contract_id, attachment_id, media_type="text/plain",
                                 max_bytes=5, ttl_s=60, metadata={"name": "a.txt"})
    assert form["url"] and form["fields"]["Content-Type"] == "text/plain"
    version = documents.bucket.put(key, b"hello", "text/plain", metadata={"name": "a.txt"})
    hashed = documents.hash_attachment(key, version)
    assert (hashed.sha256, hashed.size) == (hashlib.sha256(b"hello").hexdigest(), 5)
    assert (hashed.head.version_id, hashed.head.metadata) == (version, {"name": "a.txt"})
    documents.discard(key, version)
    with pytest.raises(KeyError):
        documents.hash_attachment(key, version)


def test_signed_objects_are_locked_until_the_retention_ends(documents):
    contract_id = str(uuid.uuid4())
    rendered = Rendered({"pdf": b"%PDF-1.7"})
    versions = documents.put_document(contract_id, rendered)
    key = documents.document_key(contract_id, "pdf", rendered.digests()["pdf"])
    until = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    documents.lock([(key, versions["pdf"])], until, "GOVERNANCE")
    head = documents.retention(key, versions["pdf"])
    assert (head.lock_mode, head.locked_until) == ("GOVERNANCE", until)
