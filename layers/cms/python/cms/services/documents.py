"""A contract's rendered document and its attachments: download links, uploads, their
registration when S3 reports them, and Object Lock once the contract is signed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote

from cms.adapters.document_store import DocumentStore, HashedObject
from cms.config import Settings
from cms.domain.canonical import iso_utc, parse_iso, utc_now
from cms.domain.contracts import Contract, Status
from cms.domain.contracts.attachments import upload_errors
from cms.domain.drafting import (
    ATTACHMENT_FIELDS,
    DOCUMENT_KEY,
    MAX_ATTACHMENTS,
    AttachmentExists,
    attachments_of,
)
from cms.domain.errors import (
    Conflict,
    DependencyUnavailable,
    DocumentNotFound,
    DomainError,
    Forbidden,
    IllegalTransition,
    NotFound,
    ValidationFailed,
)
from cms.domain.identity import Caller
from cms.services.contracts import ConcurrentChanges, ContractService

MEDIA_TYPES = {"markdown": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8",
               "pdf": "application/pdf"}
DOWNLOAD_TTL_S = 300
SIGNED_OR_LATER = frozenset({Status.SIGNED, Status.ACTIVE, Status.COMPLETED, Status.TERMINATED,
                             Status.EXPIRED})


@dataclass(frozen=True)
class DocumentLink:
    """One rendering of a contract's document: what the digest covers, and where to get it."""

    contract_id: str
    format: str
    media_type: str
    sha256: str
    size: int
    signed: bool  # the contract is signed: this rendering is what the parties signed
    url: str
    expires_in: int


@dataclass(frozen=True)
class UploadForm:
    """A presigned POST: send ``fields`` and then the file as multipart form data."""

    url: str
    fields: dict[str, str]


@dataclass(frozen=True)
class UploadGrant:
    attachment_id: str
    upload: UploadForm
    expires_in: int
    max_bytes: int
    media_type: str


@dataclass(frozen=True)
class AttachmentLink:
    """A registered attachment (as the contract records it) and a download link."""

    id: str
    name: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    object_version: str | None
    added_at: str
    url: str
    expires_in: int


@dataclass(frozen=True)
class Registration:
    """What became of an uploaded object: registered, or refused (and deleted) with why."""

    contract_id: str
    attachment_id: str
    registered: bool
    reason: str = ""


class DocumentService:
    def __init__(self, contracts: ContractService, store: DocumentStore, settings: Settings,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self._contracts = contracts
        self._store = store
        self._settings = settings
        self._clock = clock

    # ------------------------------------------------------------ the rendered document

    def document(self, caller: Caller, contract_id: str, fmt: str) -> DocumentLink:
        contract = self._contracts.get(caller, contract_id)
        entry = (contract.content.metadata.get(DOCUMENT_KEY) or {}).get(fmt)
        if not isinstance(entry, dict):
            raise DocumentNotFound(f"contract {contract_id} has no {fmt} document (only "
                                   "contracts made from a template have one)")
        filename = f"contract-{contract_id}.{'md' if fmt == 'markdown' else fmt}"
        return DocumentLink(
            contract_id, fmt, MEDIA_TYPES[fmt], entry["sha256"], entry["size"],
            signed=contract.status in SIGNED_OR_LATER,
            url=self._store.document_url(contract_id, fmt, entry["sha256"], entry.get("version"),
                                         ttl_s=DOWNLOAD_TTL_S, filename=filename),
            expires_in=DOWNLOAD_TTL_S)

    # ------------------------------------------------------------ attachments

    def request_upload(self, caller: Caller, contract_id: str, *, name: str, media_type: str,
                       size: int) -> UploadGrant:
        """A presigned POST for one file; it becomes an attachment once S3 reports it."""
        contract = self._contracts.get(caller, contract_id)
        if contract.role_of(caller.did) is None:
            raise Forbidden("only a party to the contract may attach files")
        _check_upload(name, media_type, size, self._settings.attachment_max_bytes)
        _check_open_for_attachments(contract)
        attachment_id = str(uuid.uuid4())
        form = self._store.upload_form(
            contract_id, attachment_id, media_type=media_type, max_bytes=size,
            ttl_s=self._settings.upload_url_ttl_s,
            metadata={"uploaded-by": caller.did, "name": quote(name, safe=""),
                      "declared-size": str(size)})
        return UploadGrant(attachment_id, UploadForm(form["url"], dict(form["fields"])),
                           expires_in=self._settings.upload_url_ttl_s, max_bytes=size,
                           media_type=media_type)

    def register_upload(self, key: str, version_id: str | None) -> Registration | None:
        """Hash an uploaded object and add it to its draft. Refused uploads are deleted;
        transient failures raise (EventBridge delivers again), and a repeated delivery, or
        another object version under a registered key, never touches what was registered.
        None: not an upload."""
        located = self._store.parse_attachment_key(key)
        if located is None:
            return None
        contract_id, attachment_id = located
        recorded = self._recorded(contract_id, attachment_id)
        if recorded is not None:
            if version_id and version_id != recorded["object_version"]:
                self._store.discard(key, version_id)  # a second POST with the same grant
            return Registration(contract_id, attachment_id, True, "already registered")
        try:
            hashed = self._store.hash_attachment(key, version_id)
        except KeyError:
            return Registration(contract_id, attachment_id, False, "the object is gone")
        try:
            self._contracts.add_attachment(contract_id,
                                           self._attachment_record(attachment_id, hashed))
        except AttachmentExists:
            return Registration(contract_id, attachment_id, True, "already registered")
        except (DependencyUnavailable, ConcurrentChanges):
            raise
        except DomainError as error:  # refused for good: limits, status, uploader
            self._store.discard(key, hashed.head.version_id)
            return Registration(contract_id, attachment_id, False, error.detail)
        return Registration(contract_id, attachment_id, True)

    def _recorded(self, contract_id: str, attachment_id: str) -> dict[str, Any] | None:
        try:
            contract = self._contracts.current(contract_id)
        except NotFound:
            return None  # refused below (adding to no contract is NotFound)
        return next((a for a in attachments_of(contract.content.metadata)
                     if a["id"] == attachment_id), None)

    def attachment(self, caller: Caller, contract_id: str,
                   attachment_id: str) -> AttachmentLink:
        contract = self._contracts.get(caller, contract_id)
        found = next((a for a in attachments_of(contract.content.metadata)
                      if a["id"] == attachment_id), None)
        if found is None:
            raise DocumentNotFound(f"contract {contract_id} has no attachment {attachment_id}")
        key = self._store.attachment_key(contract_id, attachment_id)
        url = self._store.attachment_url(key, found["object_version"], ttl_s=DOWNLOAD_TTL_S,
                                         filename=quote(found["name"]))
        return AttachmentLink(**{name: found[name] for name in ATTACHMENT_FIELDS}, url=url,
                              expires_in=DOWNLOAD_TTL_S)

    def _attachment_record(self, attachment_id: str, hashed: HashedObject) -> dict[str, Any]:
        metadata = hashed.head.metadata
        declared = metadata.get("declared-size", "")
        media_type = hashed.head.content_type
        name = unquote(metadata.get("name", ""))
        _check_upload(name, media_type, hashed.size, self._settings.attachment_max_bytes)
        if declared != str(hashed.size):
            raise ValidationFailed(f"{hashed.size} bytes arrived, {declared or '?'} declared")
        return {"id": attachment_id, "name": name, "media_type": media_type,
                "size": hashed.size, "sha256": hashed.sha256,
                "uploaded_by": metadata.get("uploaded-by", ""),
                "object_version": hashed.head.version_id, "added_at": iso_utc(self._clock())}

    # ------------------------------------------------------------ retention

    def lock_signed(self, contract: Contract) -> int:
        """Object Lock on the signed document and attachments until the end of validity
        plus the retention period; returns how many objects were locked."""
        if contract.status not in SIGNED_OR_LATER:
            raise IllegalTransition("only a signed contract's documents are locked",
                                    current_status=contract.status.value)
        until = (parse_iso(contract.content.valid_until)
                 + timedelta(days=self._settings.document_retention_days))
        keys = self.signed_objects(contract)
        self._store.lock(keys, until, self._settings.document_lock_mode)
        return len(keys)

    def signed_objects(self, contract: Contract) -> list[tuple[str, str | None]]:
        metadata = contract.content.metadata
        documents = [(self._store.document_key(contract.id, fmt, entry["sha256"]),
                      entry.get("version"))
                     for fmt, entry in sorted((metadata.get(DOCUMENT_KEY) or {}).items())]
        attachments = [(self._store.attachment_key(contract.id, a["id"]), a["object_version"])
                       for a in attachments_of(metadata)]
        return documents + attachments


def _check_upload(name: str, media_type: str, size: int, max_bytes: int) -> None:
    errors = upload_errors(name, media_type, size, max_bytes)
    if errors:
        raise ValidationFailed("the upload is not acceptable", errors)


def _check_open_for_attachments(contract: Contract) -> None:
    if contract.status != Status.DRAFT:
        raise IllegalTransition("attachments can only be added to a draft (they become part "
                                "of what is signed)", current_status=contract.status.value,
                                allowed_from=[Status.DRAFT.value])
    if len(attachments_of(contract.content.metadata)) >= MAX_ATTACHMENTS:
        raise Conflict(f"a contract has at most {MAX_ATTACHMENTS} attachments")

