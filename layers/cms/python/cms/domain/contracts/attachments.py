"""What a file attached to a draft may be (its name, type and size), and how many and how
large a contract and an identity may keep (quotas)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cms.domain.canonical import canonical_json
from cms.domain.contracts.content import MAX_CONTENT_BYTES
from cms.domain.errors import AttachmentQuotaExceeded

ATTACHMENT_MEDIA_TYPES = ("application/json", "application/pdf", "application/zip",
                          "image/jpeg", "image/png", "text/csv", "text/markdown", "text/plain")
FILENAME_PATTERN = r"^[^\x00-\x1f\x7f/\\]{1,200}$"
FILENAME = re.compile(FILENAME_PATTERN)
# The deployment's limit (Settings.attachment_max_bytes) defaults to this, and is never more.
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024


def upload_errors(name: str, media_type: str, size: int, max_bytes: int) -> list[dict[str, str]]:
    """What is wrong with a file to attach (empty: nothing)."""
    errors = []
    if not FILENAME.fullmatch(name or ""):
        errors.append({"pointer": "/name", "message": "1-200 characters, no slashes or "
                                                      "control characters"})
    if media_type not in ATTACHMENT_MEDIA_TYPES:
        errors.append({"pointer": "/media_type",
                       "message": f"one of {', '.join(ATTACHMENT_MEDIA_TYPES)}"})
    if not 1 <= size <= min(max_bytes, MAX_ATTACHMENT_BYTES):
        errors.append({"pointer": "/size",
                       "message": f"1 to {min(max_bytes, MAX_ATTACHMENT_BYTES)} bytes"})
    return errors


# ------------------------------------------------------------------ quotas

# What a record's fields may take beyond its name and uploader when its fit is checked before
# the upload (the S3 version id is not known yet; S3's are 32 characters).
_PLACEHOLDER = {"id": "00000000-0000-0000-0000-000000000000", "media_type": "x" * 32,
                "size": 2**53 - 1, "sha256": "0" * 64, "object_version": "v" * 128,
                "added_at": "2000-01-01T00:00:00.000Z"}


@dataclass(frozen=True)
class AttachmentQuota:
    """At most ``count`` attachments of ``bytes`` bytes in all, for one ``scope`` (a
    contract, or an identity across every contract)."""

    scope: str
    count: int
    bytes: int

    def check(self, used_count: int, used_bytes: int, size: int) -> None:
        """AttachmentQuotaExceeded if one more attachment of ``size`` bytes does not fit."""
        if used_count + 1 > self.count or used_bytes + size > self.bytes:
            raise self.refusal(used_count, used_bytes, size)

    def refusal(self, used_count: int, used_bytes: int, size: int) -> AttachmentQuotaExceeded:
        """The problem for one more attachment of ``size`` bytes (the count if it is full)."""
        if used_count + 1 > self.count:
            return self._exceeded("attachments", self.count, used_count, 1)
        return self._exceeded("bytes", self.bytes, used_bytes, size)

    def _exceeded(self, unit: str, limit: int, used: int,
                  requested: int) -> AttachmentQuotaExceeded:
        owner = "this contract" if self.scope == "contract" else "the uploader"
        what = "attachments" if unit == "attachments" else "bytes of attachments"
        return AttachmentQuotaExceeded(
            f"{owner} may keep at most {limit} {what}; it keeps {used}, and this upload asks "
            f"for {requested} more", scope=self.scope, unit=unit, limit=limit, used=used,
            requested=requested)


def contract_usage(attachments: list[dict[str, Any]]) -> tuple[int, int]:
    """(count, bytes) of a contract's registered attachments."""
    return len(attachments), sum(a["size"] for a in attachments
                                 if isinstance(a.get("size"), int))


def check_record_fits(content: dict[str, Any], attachments: list[dict[str, Any]], *,
                      name: str, uploader: str) -> None:
    """AttachmentQuotaExceeded if the contract's content would outgrow MAX_CONTENT_BYTES with
    one more attachment record (long names fill it before the count limit does)."""
    record = {**_PLACEHOLDER, "name": name, "uploaded_by": uploader}
    metadata = {**content["metadata"], "attachments": [*attachments, record]}
    size = len(canonical_json({**content, "metadata": metadata}))
    if size > MAX_CONTENT_BYTES:
        raise AttachmentQuotaExceeded(
            f"the contract's content would be {size} bytes with this attachment's record, "
            f"over the {MAX_CONTENT_BYTES} it may have: use a shorter name",
            scope="contract", unit="content_bytes", limit=MAX_CONTENT_BYTES,
            used=size - len(canonical_json(record)), requested=len(canonical_json(record)))
