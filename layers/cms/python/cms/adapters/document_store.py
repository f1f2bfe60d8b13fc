"""Contract documents and attachments in the documents bucket (versioned, Object Lock), on
the object store port (cms.ports.objects): S3, or a bucket in memory.

Rendered documents are content-addressed (``contracts/<id>/document/<sha256>.<ext>``): a
re-render of a draft adds objects, never replaces one a contract may already name.
Attachments are uploaded by the parties straight to S3 with a presigned POST
(``contracts/<id>/attachments/<attachment id>``) and registered by the attachments trigger.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cms.ports.objects import ObjectHead, ObjectStore

if TYPE_CHECKING:
    from cms.domain.documents import RenderedDocument

EXTENSIONS = {"markdown": "md", "html": "html", "pdf": "pdf"}
ATTACHMENT_KEY = re.compile(r"contracts/([0-9a-f-]{36})/attachments/([0-9a-f-]{36})")


@dataclass(frozen=True)
class HashedObject:
    sha256: str
    size: int
    head: ObjectHead


class DocumentStore:
    def __init__(self, bucket: ObjectStore) -> None:
        self.bucket = bucket

    # ------------------------------------------------------------ rendered documents

    @staticmethod
    def document_key(contract_id: str, fmt: str, sha256: str) -> str:
        return f"contracts/{contract_id}/document/{sha256}.{EXTENSIONS[fmt]}"

    def put_document(self, contract_id: str, document: RenderedDocument) -> dict[str, str | None]:
        """Store each rendering; returns the S3 version id of each, which the contract
        records: served and locked is that version, whatever is written later."""
        from cms.domain.documents import FORMATS

        return {fmt: self.bucket.put(self.document_key(contract_id, fmt, digest),
                                     document.content(fmt), FORMATS[fmt])
                for fmt, digest in document.digests().items()}

    def document_url(self, contract_id: str, fmt: str, sha256: str, version_id: str | None, *,
                     ttl_s: int, filename: str) -> str:
        return self.bucket.download_url(self.document_key(contract_id, fmt, sha256),
                                         version_id, ttl_s=ttl_s, filename=filename)

    # ------------------------------------------------------------ attachments

    @staticmethod
    def attachment_key(contract_id: str, attachment_id: str) -> str:
        return f"contracts/{contract_id}/attachments/{attachment_id}"

    @staticmethod
    def parse_attachment_key(key: str) -> tuple[str, str] | None:
        """(contract id, attachment id) of an attachment object key, else None."""
        match = ATTACHMENT_KEY.fullmatch(key)
        return (match.group(1), match.group(2)) if match else None

    def upload_form(self, contract_id: str, attachment_id: str, *, media_type: str,
                    max_bytes: int, ttl_s: int, metadata: dict[str, str]) -> dict[str, Any]:
        # Exactly the declared size: nothing larger is stored, even for a moment.
        return self.bucket.upload_form(self.attachment_key(contract_id, attachment_id),
                                       content_type=media_type, min_bytes=max_bytes,
                                       max_bytes=max_bytes, ttl_s=ttl_s, metadata=metadata)

    def inspect(self, key: str, version_id: str | None) -> ObjectHead:
        """An object version's size, type and metadata, without reading it (KeyError if it
        is gone)."""
        return self.bucket.head(key, version_id)

    def hash_attachment(self, key: str, version_id: str | None) -> HashedObject:
        """SHA-256 of one object version, streamed (KeyError if it is gone)."""
        head = self.bucket.head(key, version_id)
        digest = hashlib.sha256()
        size = 0
        for chunk in self.bucket.chunks(key, head.version_id):
            digest.update(chunk)
            size += len(chunk)
        return HashedObject(digest.hexdigest(), size, head)

    def attachment_url(self, key: str, version_id: str | None, *, ttl_s: int,
                       filename: str) -> str:
        return self.bucket.download_url(key, version_id, ttl_s=ttl_s, filename=filename)

    def discard(self, key: str, version_id: str | None) -> None:
        self.bucket.delete(key, version_id)

    # ------------------------------------------------------------ retention

    def lock(self, keys: list[tuple[str, str | None]], until: datetime, mode: str) -> None:
        """Object Lock on each (key, version): signed documents outlive any delete."""
        for key, version_id in keys:
            self.bucket.lock(key, version_id, until, mode)

    def retention(self, key: str, version_id: str | None = None) -> ObjectHead:
        return self.bucket.head(key, version_id)
