"""A contract's rendered document and its attachments."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cms.api.schemas.common import Did, Instant, Sha256Hex, Uuid
from cms.domain.contracts.attachments import (
    ATTACHMENT_MEDIA_TYPES,
    FILENAME_PATTERN,
    MAX_ATTACHMENT_BYTES,
)

DocumentFormat = Literal["pdf", "html", "markdown"]
AttachmentMediaType = Literal[ATTACHMENT_MEDIA_TYPES]  # type: ignore[valid-type]


class ContractDocument(BaseModel):
    """One rendering of a template contract's document; its SHA-256 is in the contract's
    metadata, so the contract digest covers it."""

    contract_id: Uuid
    format: DocumentFormat
    media_type: str
    sha256: Sha256Hex
    size: int = Field(ge=0)
    signed: bool = Field(description="The contract is signed: this is what the parties signed")
    url: str = Field(description="A short-lived download link")
    expires_in: int = Field(ge=0, description="Seconds the link stays valid")


class UploadForm(BaseModel):
    """A presigned POST: send every field, then the file (multipart/form-data)."""

    url: str
    fields: dict[str, str]


class AttachmentUploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"name": "annex.pdf", "media_type": "application/pdf", "size": 1024}]})
    name: str = Field(min_length=1, max_length=200, pattern=FILENAME_PATTERN,
                      description="No slashes or control characters")
    media_type: AttachmentMediaType
    size: int = Field(ge=1, le=MAX_ATTACHMENT_BYTES, description="Bytes; the upload must be "
                                                                 "exactly this size")


class AttachmentUpload(BaseModel):
    """Where to upload the file; it is hashed and added to the draft once it arrives."""

    attachment_id: Uuid
    upload: UploadForm
    expires_in: int = Field(ge=0, description="Seconds the form stays valid")
    max_bytes: int = Field(ge=1)
    media_type: AttachmentMediaType


class Attachment(BaseModel):
    """A registered attachment (part of the contract's content, so of its digest)."""

    id: Uuid
    name: str
    media_type: AttachmentMediaType
    size: int = Field(ge=1)
    sha256: Sha256Hex
    uploaded_by: Did
    object_version: str | None
    added_at: Instant
    url: str = Field(description="A short-lived download link")
    expires_in: int = Field(ge=0, description="Seconds the link stays valid")
