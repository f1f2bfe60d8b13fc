"""Contracts function: create, read, list, edit drafts, the lifecycle transitions, the
rendered document and attachments."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from pydantic import BaseModel, Field

from cms.api.http import caller_of, http_entry, json_response
from cms.api.idempotency import IDEMPOTENCY_ERRORS, IdempotencyKey, idempotent
from cms.api.observability import count
from cms.api.operations import READ, RENDER, UPLOAD, WRITE, Api
from cms.api.schemas.common import DID_PATTERN
from cms.api.schemas.contracts import (
    UUID_PATTERN,
    ChangeRequest,
    Contract,
    ContractChange,
    ContractPage,
    ContractStatus,
    ContractSubmission,
    Cursor,
    ListingScope,
    NewContract,
    PartyRole,
    SigningPayload,
    SignRequest,
    Termination,
)
from cms.api.schemas.documents import (
    Attachment,
    AttachmentUpload,
    AttachmentUploadRequest,
    ContractDocument,
    DocumentFormat,
)
from cms.domain import contracts as domain
from cms.domain.contracts import AlreadySigned, NotYetValid, SigningDeadlinePassed, ValidityEnded
from cms.domain.contracts import listing as domain_listing
from cms.domain.contracts.errors import HistoryLimitReached
from cms.domain.did.syntax import MAX_DID_LENGTH
from cms.domain.drafting import TemplateDraft
from cms.domain.errors import (
    AttachmentQuotaExceeded,
    Conflict,
    DidDocumentTooLarge,
    DidResolutionFailed,
    DocumentNotFound,
    Forbidden,
    IllegalTransition,
    InvalidSignature,
    MalformedSignature,
    NotFound,
    RenderLimitExceeded,
    StoredObjectCorrupt,
    TemplateInvalid,
    TemplateNotFound,
    ValidationFailed,
)
from cms.domain.identity import Caller
from cms.domain.templates.model import TEMPLATE_ID_PATTERN
from cms.ports.contracts import CorruptSnapshot
from cms.runtime import FunctionRuntime

api = Api("contracts")
runtime = FunctionRuntime()
BASE = "/api/v1/contracts"
ONE = BASE + "/<contract_id>"

# Optional parameters, headers and bodies are typed without None (their default): each is
# absent or has a value, so the document states its type (and a body's example) directly.
ContractId = Annotated[str, Path(pattern=UUID_PATTERN,
                                 description="The contract's id (a lower-case UUID)")]
AttachmentId = Annotated[str, Path(pattern=UUID_PATTERN,
                                   description="The attachment's id (a lower-case UUID)")]

# listContracts' filters (cms.domain.contracts.listing.ListingFilter).
CounterpartyFilter = Annotated[str, Query(
    min_length=7, max_length=MAX_DID_LENGTH, pattern=DID_PATTERN,
    description="Only contracts with this DID as the other party (scope=all: as either party)")]
TemplateFilter = Annotated[str, Query(pattern=TEMPLATE_ID_PATTERN,
                                      description="Only contracts made from this template")]
InstantFilter = Annotated[str, Field(max_length=40, json_schema_extra={"format": "date-time"})]
SearchFilter = Annotated[str, Query(
    min_length=1, max_length=domain_listing.MAX_SEARCH_LENGTH,
    description="Only contracts whose title contains this text (any case)")]

# Every read of one contract: unknown (or not the caller's), or its stored record edited
# outside the API into something unreadable.
READ_ERRORS = (NotFound, CorruptSnapshot)
# Every change: besides those, in the wrong state, out of its validity, or changed
# concurrently past the retries.
CHANGE_ERRORS = (*READ_ERRORS, Forbidden, IllegalTransition, ValidityEnded, Conflict)
# Drafting from a template: unknown, its stored version unusable, or its render past limits.
TEMPLATE_ERRORS = (TemplateNotFound, TemplateInvalid, StoredObjectCorrupt, RenderLimitExceeded)


def _fields(model: BaseModel) -> dict[str, Any]:
    """The fields the client sent, without nulls; the domain normalises the timestamps."""
    values = model.model_dump(exclude_unset=True, exclude_none=True)
    return {name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in values.items()}


def _contract(contract: domain.Contract) -> Contract:
    return Contract.model_validate(contract.to_json())


@api.post(BASE, "createContract", limit=RENDER, status=201,
          summary="Create a draft contract (the caller is the provider)",
          errors=(*TEMPLATE_ERRORS, *IDEMPOTENCY_ERRORS))
def create(request: Annotated[NewContract, Body()],
           idempotency_key: IdempotencyKey = None) -> Response[Contract]:
    caller = caller_of(api)
    fields = {"description": "", "metadata": {}, **_fields(request),
              "provider_did": caller.did}
    make_contract = _from_template if request.template_id else _from_terms

    def make() -> dict[str, Any]:
        made = make_contract(caller, fields).to_json()
        count("ContractsCreated")
        return made

    # "contracts.create", not the operationId the other creates use: keys stored under it
    # before they did must go on answering their retries.
    body = idempotent(api, runtime, idempotency_key, make, operation="contracts.create",
                      request=fields)
    return json_response(Contract.model_validate(body), 201,
                         {"Location": f"{BASE}/{body['id']}"})


TEMPLATE_FIELDS = ("template_id", "template_version", "variables")
TERMS_FIELDS = ("terms", "valid_from", "valid_until")


def _from_terms(caller: Caller, fields: dict[str, Any]) -> domain.Contract:
    _require(fields, ("title", *TERMS_FIELDS), TEMPLATE_FIELDS, "without a template_id")
    return runtime.services.contracts.create(caller, domain.Content.from_json(fields))


def _from_template(caller: Caller, fields: dict[str, Any]) -> domain.Contract:
    _require(fields, ("variables",), TERMS_FIELDS, "with a template_id")
    draft = TemplateDraft(
        template_id=fields["template_id"], template_version=fields.get("template_version"),
        variables=fields["variables"], consumer_did=fields["consumer_did"],
        title=fields.get("title"), description=fields["description"],
        metadata=fields["metadata"])
    return runtime.services.contracts.create_from_template(caller, draft)


def _require(fields: dict[str, Any], required: tuple[str, ...], forbidden: tuple[str, ...],
             form: str) -> None:
    errors = [{"pointer": f"/{name}", "message": f"required {form}"}
              for name in required if name not in fields]
    errors += [{"pointer": f"/{name}", "message": f"not allowed {form}"}
               for name in forbidden if name in fields]
    if errors:
        raise ValidationFailed(f"a contract is made either from terms or from a template; "
                               f"this request is neither ({form})", errors)


@api.get(BASE, "listContracts", limit=READ,
         summary="List contracts visible to the caller, newest first",
         errors=(Forbidden, CorruptSnapshot))
def list_contracts(  # noqa: PLR0917 - one parameter per query parameter
    status: Annotated[ContractStatus, Query(description="Only contracts in this status")] = None,
    role: Annotated[PartyRole, Query(description="The caller's role (default: either)")] = None,
    scope: Annotated[ListingScope, Query(description=(
        "mine: contracts the caller is a party to; all: every contract (auditors and "
        "admins)"))] = "mine",
    counterparty: CounterpartyFilter = None,
    template_id: TemplateFilter = None,
    created_after: Annotated[InstantFilter, Query(
        description="Only contracts created at or after this ISO 8601 instant")] = None,
    created_before: Annotated[InstantFilter, Query(
        description="Only contracts created before this ISO 8601 instant")] = None,
    valid_at: Annotated[InstantFilter, Query(description=(
        "Only contracts valid at this ISO 8601 instant (valid_from <= it < valid_until)"))
        ] = None,
    q: SearchFilter = None,
    cursor: Annotated[Cursor, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ContractPage:
    """Filters other than the status are applied within bounded reads: a page may hold fewer
    than ``limit`` contracts, even none, and still have a ``next_cursor``; follow it until it
    is absent to see every match (newest first, each once)."""
    filters = domain_listing.ListingFilter(
        counterparty=counterparty, template_id=template_id, created_after=created_after,
        created_before=created_before, valid_at=valid_at, title_contains=q)
    page = runtime.services.contracts.list(caller_of(api), status=status, role=role,
                                           scope=scope, cursor=cursor, limit=limit,
                                           filters=filters)
    return ContractPage(items=[_contract(c) for c in page.items], next_cursor=page.next_cursor)


@api.get(ONE, "getContract", limit=READ, summary="Get a contract", errors=READ_ERRORS)
def get(contract_id: ContractId) -> Contract:
    return _contract(runtime.services.contracts.get(caller_of(api), contract_id))


@api.patch(ONE, "updateContract", limit=RENDER, summary="Edit a draft (provider only)",
           description="A contract records at most 100 events of negotiation (edits and "
                       "changes requested; attachments apart), so that its receipt always "
                       "fits one response: past them, 409 history_limit_reached.",
           errors=(*CHANGE_ERRORS, *TEMPLATE_ERRORS, HistoryLimitReached))
def update(contract_id: ContractId, request: Annotated[ContractChange, Body()]) -> Contract:
    return _contract(runtime.services.contracts.update(caller_of(api), contract_id,
                                                       _fields(request)))


@api.post(ONE + "/submit", "submitContract", limit=WRITE,
          summary="Freeze the terms for review (draft→review) until a signing deadline",
          errors=CHANGE_ERRORS)
def submit(contract_id: ContractId,
           request: Annotated[ContractSubmission, Body()] = None) -> Contract:
    deadline = request.signing_deadline if request else None
    return _contract(runtime.services.contracts.submit(caller_of(api), contract_id, deadline))


@api.post(ONE + "/request-changes", "requestContractChanges", limit=WRITE,
          summary="Send back to draft; signatures are cleared (review→draft)",
          description="Refused with 409 history_limit_reached once the contract has recorded "
                      "100 events of negotiation: it can then only be signed as it stands, "
                      "left to expire, or terminated.",
          errors=(*CHANGE_ERRORS, HistoryLimitReached))
def request_changes(contract_id: ContractId,
                    request: Annotated[ChangeRequest, Body()] = None) -> Contract:
    reason = request.reason if request else None
    return _contract(runtime.services.contracts.request_changes(caller_of(api), contract_id,
                                                                reason))


@api.get(ONE + "/signing-payload", "getSigningPayload", limit=READ,
         summary="What the caller must sign: EIP-712 typed data or an Ed25519 message",
         errors=(*READ_ERRORS, Forbidden, IllegalTransition))
def signing_payload(contract_id: ContractId) -> SigningPayload:
    payload = runtime.services.contracts.signing_payload(caller_of(api), contract_id)
    return SigningPayload.model_validate(payload, from_attributes=True)


@api.post(ONE + "/sign", "signContract", limit=WRITE,
          summary="Add the caller's signature over the digest",
          errors=(*CHANGE_ERRORS, SigningDeadlinePassed, AlreadySigned, InvalidSignature,
                  MalformedSignature, DidResolutionFailed, DidDocumentTooLarge))
def sign(contract_id: ContractId, request: Annotated[SignRequest, Body()]) -> Contract:
    contract = runtime.services.contracts.sign(caller_of(api), contract_id, request.signature,
                                               request.verification_method)
    count("ContractSignatures")
    return _contract(contract)


@api.post(ONE + "/activate", "activateContract", limit=WRITE,
          summary="Start a signed contract (signed→active)",
          errors=(*CHANGE_ERRORS, NotYetValid))
def activate(contract_id: ContractId) -> Contract:
    return _contract(runtime.services.contracts.activate(caller_of(api), contract_id))


@api.post(ONE + "/complete", "completeContract", limit=WRITE, summary="Complete an active contract",
          errors=CHANGE_ERRORS)
def complete(contract_id: ContractId) -> Contract:
    return _contract(runtime.services.contracts.complete(caller_of(api), contract_id))


@api.post(ONE + "/terminate", "terminateContract", limit=WRITE, summary="Terminate a live contract",
          errors=CHANGE_ERRORS)
def terminate(contract_id: ContractId, request: Annotated[Termination, Body()]) -> Contract:
    return _contract(runtime.services.contracts.terminate(caller_of(api), contract_id,
                                                          request.reason))


@api.get(ONE + "/document", "getContractDocument", limit=READ,
         summary="The rendered document (markdown, html or pdf): its SHA-256, which the "
                 "contract digest covers, and a short-lived download link",
         errors=(*READ_ERRORS, DocumentNotFound))
def document(contract_id: ContractId,
             format: Annotated[DocumentFormat, Query()] = "pdf") -> ContractDocument:
    link = runtime.services.documents.document(caller_of(api), contract_id, format)
    return ContractDocument.model_validate(link, from_attributes=True)


@api.post(ONE + "/attachments", "createAttachmentUpload", limit=UPLOAD, status=201,
          summary="A presigned upload for a file to attach to a draft; it is hashed and added "
                  "to the contract (and its digest) when it arrives",
          description="Refused before any upload form is issued when the file would take the "
                      "contract (CMS_CONTRACT_ATTACHMENTS_MAX, 50; "
                      "CMS_CONTRACT_ATTACHMENT_BYTES_MAX, 100 MiB) or the caller over all its "
                      "contracts (CMS_IDENTITY_ATTACHMENTS_MAX, 500; "
                      "CMS_IDENTITY_ATTACHMENT_BYTES_MAX, 1 GiB) past its quota: 409 "
                      "attachment_quota_exceeded, naming scope, unit, limit, used and "
                      "requested. The form admits exactly `size` bytes; the quotas are "
                      "checked again when the file arrives, and a file refused then is "
                      "deleted. With an Idempotency-Key, a repeat answers the same "
                      "attachment_id with its form signed anew (a full expires_in from the "
                      "repeat), so an expired first form is never answered again.",
          errors=(*READ_ERRORS, Forbidden, IllegalTransition, AttachmentQuotaExceeded,
                  *IDEMPOTENCY_ERRORS))
def request_upload(contract_id: ContractId, request: Annotated[AttachmentUploadRequest, Body()],
                   idempotency_key: IdempotencyKey = None) -> Response[AttachmentUpload]:
    caller, documents = caller_of(api), runtime.services.documents
    file = {"name": request.name, "media_type": request.media_type, "size": request.size}
    grant = idempotent(
        api, runtime, idempotency_key,
        lambda: documents.request_upload(caller, contract_id, **file),
        operation="createAttachmentUpload", request={"contract_id": contract_id, **file},
        # The form expires long before the key: only the id is kept, the form signed anew.
        keep=lambda made: {"attachment_id": made.attachment_id},
        replay=lambda kept: documents.renew_upload(caller, contract_id,
                                                   kept["attachment_id"], **file))
    return json_response(AttachmentUpload.model_validate(grant, from_attributes=True), 201)


@api.get(ONE + "/attachments/<attachment_id>", "getAttachment", limit=READ,
         summary="An attachment's record (name, type, size, SHA-256) and a download link",
         errors=(*READ_ERRORS, DocumentNotFound))
def attachment(contract_id: ContractId, attachment_id: AttachmentId) -> Attachment:
    link = runtime.services.documents.attachment(caller_of(api), contract_id, attachment_id)
    return Attachment.model_validate(link, from_attributes=True)


handler = http_entry(api, runtime)
