"""A contract's rendered document and its attachments: download links, uploads, their
registration when S3 reports them, and Object Lock once the contract is signed."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote

from cms.adapters.document_store import DocumentStore, HashedObject
from cms.config import Settings
from cms.domain.canonical import iso_utc, utc_now
from cms.domain.contracts import Contract, Status
from cms.domain.contracts.attachments import (
    MAX_ATTACHMENT_BYTES,
    AttachmentQuota,
    check_record_fits,
    contract_usage,
    upload_errors,
)
from cms.domain.contracts.retention import fully_signed, retention_until
from cms.domain.drafting import (
    ATTACHMENT_FIELDS,
    DOCUMENT_KEY,
    MAX_ATTACHMENTS,
    AttachmentExists,
    attachments_of,
)
from cms.domain.errors import (
    DependencyUnavailable,
    DocumentNotFound,
    DomainError,
    Forbidden,
    IllegalTransition,
    NotFound,
    ValidationFailed,
)
from cms.domain.identity import Caller, IdentityStatus
from cms.ports.errors import WriteConflict
from cms.ports.identities import IdentityStore
from cms.ports.objects import ObjectHead
from cms.ports.usage import QuotaExceeded, StorageUsage
from cms.services.contracts import ConcurrentChanges, ContractService

MEDIA_TYPES = {"markdown": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8",
               "pdf": "application/pdf"}
DOWNLOAD_TTL_S = 300
# Failures worth a retry (EventBridge delivers again): nothing was decided about the upload.
TRANSIENT = (DependencyUnavailable, ConcurrentChanges, WriteConflict)
_MILLISECONDS = re.compile(r"[0-9]{1,16}")  # an upload form's issue time (epoch ms)


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
                 clock: Callable[[], datetime] = utc_now, *,
                 usage: Callable[[], StorageUsage] | None = None,
                 identities: Callable[[], IdentityStore] | None = None) -> None:
        self._contracts = contracts
        self._store = store
        self._settings = settings
        self._clock = clock
        self._usage_factory = usage  # only attachments need it (not locking, not documents)
        self._identities_factory = identities  # the uploader's standing when a file arrives

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
            signed=fully_signed(contract),
            url=self._store.document_url(contract_id, fmt, entry["sha256"], entry.get("version"),
                                         ttl_s=DOWNLOAD_TTL_S, filename=filename),
            expires_in=DOWNLOAD_TTL_S)

    # ------------------------------------------------------------ attachments

    def request_upload(self, caller: Caller, contract_id: str, *, name: str, media_type: str,
                       size: int) -> UploadGrant:
        """A presigned POST for one file; it becomes an attachment once S3 reports it. Every
        limit is checked first: no form is issued for a file that could not be kept. The
        form admits exactly ``size`` bytes, and the quotas are checked again when the file
        arrives (forms issued together could pass them together)."""
        contract = self._party_contract(caller, contract_id)
        _check_upload(name, media_type, size, self._settings.attachment_max_bytes)
        _check_open_for_attachments(contract)
        self._contract_quota_check(contract, size)
        check_record_fits(contract.content.to_json(), attachments_of(contract.content.metadata),
                          name=name, uploader=caller.did)
        used = self._usage().usage(caller.did)
        self._identity_quota().check(used.objects, used.bytes, size)
        return self._grant(caller, contract_id, str(uuid.uuid4()), name=name,
                           media_type=media_type, size=size)

    def renew_upload(self, caller: Caller, contract_id: str, attachment_id: str, *, name: str,
                     media_type: str, size: int) -> UploadGrant:
        """The form of a grant already issued to ``caller`` (a repeated request), signed anew
        for this session: the first may have expired. The limits are not checked again: they
        passed when the attachment id was granted, and every upload is checked once more on
        arrival (quotas, the contract's state, a second upload to a registered id discarded).
        """
        self._party_contract(caller, contract_id)
        return self._grant(caller, contract_id, attachment_id, name=name,
                           media_type=media_type, size=size)

    def _party_contract(self, caller: Caller, contract_id: str) -> Contract:
        contract = self._contracts.get(caller, contract_id)
        if contract.role_of(caller.did) is None:
            raise Forbidden("only a party to the contract may attach files")
        return contract

    def _grant(self, caller: Caller, contract_id: str, attachment_id: str, *, name: str,
               media_type: str, size: int) -> UploadGrant:
        form = self._store.upload_form(
            contract_id, attachment_id, media_type=media_type, max_bytes=size,
            ttl_s=self._settings.upload_url_ttl_s,
            metadata={"uploaded-by": caller.did, "name": quote(name, safe=""),
                      "declared-size": str(size), "session": caller.token_id or "",
                      "issued-ms": str(int(self._clock().timestamp() * 1000))})
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
        if self._recorded(contract_id, attachment_id) is not None:
            return self._already_registered(key, contract_id, attachment_id, version_id)
        try:
            head = self._store.inspect(key, version_id)
            # Before reading it: more than declared, or a form its session no longer backs.
            problem = self._arrival_problem(head) or self._uploader_problem(head)
            if problem:
                self._store.discard(key, head.version_id)
                return Registration(contract_id, attachment_id, False, problem)
            hashed = self._store.hash_attachment(key, head.version_id)
        except KeyError:
            return Registration(contract_id, attachment_id, False, "the object is gone")
        try:
            self._register(contract_id, self._attachment_record(attachment_id, hashed), key)
        except AttachmentExists:  # a concurrent delivery registered it (maybe another version)
            return self._already_registered(key, contract_id, attachment_id, version_id)
        except TRANSIENT:
            raise
        except DomainError as error:  # refused for good: limits, quotas, status, uploader
            self._store.discard(key, hashed.head.version_id)
            return Registration(contract_id, attachment_id, False, error.detail)
        return Registration(contract_id, attachment_id, True)

    def _already_registered(self, key: str, contract_id: str, attachment_id: str,
                            version_id: str | None) -> Registration:
        recorded = self._recorded(contract_id, attachment_id)
        if recorded and version_id and version_id != recorded["object_version"]:
            self._store.discard(key, version_id)  # a second POST with the same grant
        return Registration(contract_id, attachment_id, True, "already registered")

    def _register(self, contract_id: str, record: dict[str, Any], key: str) -> None:
        """Charge the uploader's quota, then add the record within the contract's quota as
        the contract stands when it is written. A charge is counted once per object key, so a
        retry after a transient failure (or another delivery of the same upload) counts
        nothing twice; a refusal takes it back unless the key is registered meanwhile."""
        usage, owner = self._usage(), record["uploaded_by"]
        quota = self._identity_quota()
        try:
            usage.charge(owner, key, record["size"], max_objects=quota.count,
                         max_bytes=quota.bytes)
        except QuotaExceeded as exceeded:
            raise quota.refusal(exceeded.usage.objects, exceeded.usage.bytes,
                                record["size"]) from None
        try:
            self._contracts.add_attachment(contract_id, record, check=lambda contract: (
                self._contract_quota_check(contract, record["size"])))
        except (AttachmentExists, *TRANSIENT):
            raise
        except DomainError:
            if self._recorded(contract_id, record["id"]) is None:
                usage.refund(owner, key)
            raise

    def _arrival_problem(self, head: ObjectHead) -> str | None:
        """Why what arrived is not what was declared, within the size limit (S3 enforces the
        form's exact length; this holds where it is not enforced)."""
        declared = head.metadata.get("declared-size", "")
        limit = min(self._settings.attachment_max_bytes, MAX_ATTACHMENT_BYTES)
        if head.size > limit or declared != str(head.size):
            return f"{head.size} bytes arrived, {declared or '?'} declared (at most {limit})"
        return None

    def _uploader_problem(self, head: ObjectHead) -> str | None:
        """Why the form's holder may no longer add the file: a form lives on at S3 after the
        session that asked for it ends (a logout, the identity's sessions ended, a
        suspension), and must not outlive it."""
        uploader = head.metadata.get("uploaded-by", "")
        identity, sessions = self._identities().standing(uploader)
        if identity is None or identity.status != IdentityStatus.ACTIVE:
            return f"the uploader's session has ended: {uploader or '?'} is not active"
        issued = head.metadata.get("issued-ms", "")
        refusal = sessions.grant_refusal(int(issued) if _MILLISECONDS.fullmatch(issued) else 0,
                                         head.metadata.get("session") or None)
        return None if refusal is None else f"the upload form is void: {refusal}"

    def _contract_quota_check(self, contract: Contract, size: int) -> None:
        count, used = contract_usage(attachments_of(contract.content.metadata))
        s = self._settings
        AttachmentQuota("contract", min(s.contract_attachments_max, MAX_ATTACHMENTS),
                        s.contract_attachment_bytes_max).check(count, used, size)

    def _identity_quota(self) -> AttachmentQuota:
        s = self._settings
        return AttachmentQuota("identity", s.identity_attachments_max,
                               s.identity_attachment_bytes_max)

    def _identities(self) -> IdentityStore:
        if self._identities_factory is None:
            raise DependencyUnavailable("no identity store is configured")
        return self._identities_factory()

    def _usage(self) -> StorageUsage:
        if self._usage_factory is None:
            raise DependencyUnavailable("no storage usage store is configured")
        return self._usage_factory()

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
        plus the retention period, both bounded (cms.domain.contracts.retention); returns
        how many objects were locked."""
        if not fully_signed(contract):
            raise IllegalTransition("only a signed contract's documents are locked",
                                    current_status=contract.status.value)
        until = retention_until(contract, timedelta(days=self._settings.document_retention_days),
                                self._clock())
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

