"""Contracts function: create, read, list, edit drafts, and the lifecycle transitions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, ConfigDict, Field

from cms.api.http import caller_of, header_of, http_entry, json_response
from cms.api.observability import count
from cms.api.operations import Api
from cms.api.types import Did, Timestamp
from cms.domain.contracts import (
    AlreadySigned,
    Content,
    Contract,
    NotYetValid,
    SigningDeadlinePassed,
    ValidityEnded,
)
from cms.domain.drafting import TemplateDraft
from cms.domain.errors import (
    Conflict,
    DidDocumentTooLarge,
    DidResolutionFailed,
    DocumentNotFound,
    Forbidden,
    IdempotencyInProgress,
    IdempotencyKeyReused,
    IllegalTransition,
    InvalidDid,
    InvalidSignature,
    MalformedSignature,
    NotFound,
    StoredObjectCorrupt,
    TemplateInvalid,
    TemplateNotFound,
    UnsupportedDidMethod,
    ValidationFailed,
)
from cms.domain.identity import Caller
from cms.runtime import FunctionRuntime

api = Api("contracts")
runtime = FunctionRuntime()
BASE = "/api/v1/contracts"
ONE = BASE + "/<contract_id>"

Terms = dict[str, Any] | Annotated[str, Field(min_length=1)]


class ContractCreate(BaseModel):
    """Either explicit terms and validity, or a template version and its variables (which
    give the terms, the validity and the document)."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    consumer_did: Did
    terms: Terms | None = None
    valid_from: Timestamp | None = None
    valid_until: Timestamp | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    template_id: str | None = Field(default=None, min_length=1, max_length=64)
    template_version: int | None = Field(default=None, ge=1, le=1_000_000)
    variables: dict[str, Any] | None = None


class ContractPatch(BaseModel):
    """Changes to a draft; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    consumer_did: Did | None = None
    terms: Terms | None = None
    valid_from: Timestamp | None = None
    valid_until: Timestamp | None = None
    metadata: dict[str, Any] | None = None
    variables: dict[str, Any] | None = None  # template contracts: re-derives terms and document


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=2000)


class Termination(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


class SignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    signature: str = Field(min_length=1, max_length=1024)
    verification_method: str | None = Field(default=None, max_length=2300)


# Every change: the contract may be unknown (or not the caller's), in the wrong state, out of
# its validity, or changed concurrently past the retries.
CHANGE_ERRORS = (NotFound, Forbidden, IllegalTransition, ValidityEnded, Conflict)


def _fields(model: BaseModel) -> dict[str, Any]:
    """The fields the client sent, without nulls; the domain normalises the timestamps."""
    values = model.model_dump(exclude_unset=True, exclude_none=True)
    return {name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in values.items()}


def _contract(contract: Contract, status: int = 200) -> Response[dict]:
    return json_response(contract.to_json(), status)


@api.post(BASE, "createContract", status=201,
          summary="Create a draft contract (the caller is the provider)",
          errors=(InvalidDid, UnsupportedDidMethod, TemplateNotFound, TemplateInvalid,
                  StoredObjectCorrupt, IdempotencyKeyReused, IdempotencyInProgress))
def create(request: Annotated[ContractCreate, Body()]) -> Response[dict]:
    caller = caller_of(api)
    fields = {"description": "", "metadata": {}, **_fields(request),
              "provider_did": caller.did}
    make_contract = _from_template if request.template_id else _from_terms

    def make() -> dict[str, Any]:
        return make_contract(caller, fields).to_json()

    key = header_of(api, "idempotency-key")
    if key is None:
        body = make()
    else:
        # Imported here: Powertools idempotency pulls in boto3, which most requests never need.
        from cms.api.idempotency import run_once

        body = run_once(runtime.services, "contracts.create", caller.did, key, fields,
                        compute=make, lambda_context=api.lambda_context)
    count("ContractsCreated")
    return json_response(body, 201, {"Location": f"{BASE}/{body['id']}"})


TEMPLATE_FIELDS = ("template_id", "template_version", "variables")
TERMS_FIELDS = ("terms", "valid_from", "valid_until")


def _from_terms(caller: Caller, fields: dict[str, Any]) -> Contract:
    _require(fields, ("title", *TERMS_FIELDS), TEMPLATE_FIELDS, "without a template_id")
    return runtime.services.contracts.create(caller, Content.from_json(fields))


def _from_template(caller: Caller, fields: dict[str, Any]) -> Contract:
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


@api.get(BASE, "listContracts", summary="List contracts visible to the caller, newest first",
         errors=(Forbidden,))
def list_contracts(
    status: Annotated[Literal["draft", "review", "signed", "active", "completed", "terminated",
                              "expired"] | None, Query()] = None,
    role: Annotated[Literal["provider", "consumer"] | None, Query()] = None,
    scope: Annotated[Literal["mine", "all"], Query()] = "mine",
    cursor: Annotated[str | None, Query(max_length=4096)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict:
    page = runtime.services.contracts.list(caller_of(api), status=status, role=role, scope=scope,
                                      cursor=cursor, limit=limit)
    return {"items": [c.to_json() for c in page.items], "next_cursor": page.next_cursor}


@api.get(ONE, "getContract", summary="Get a contract", errors=(NotFound,))
def get(contract_id: str) -> Response[dict]:
    return _contract(runtime.services.contracts.get(caller_of(api), contract_id))


@api.patch(ONE, "updateContract", summary="Edit a draft (provider only)",
           errors=(*CHANGE_ERRORS, InvalidDid, UnsupportedDidMethod, TemplateNotFound,
                   StoredObjectCorrupt))
def update(contract_id: str, request: Annotated[ContractPatch, Body()]) -> Response[dict]:
    return _contract(runtime.services.contracts.update(caller_of(api), contract_id,
                                                       _fields(request)))


class Submission(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Unsigned by then, the contract expires; default 30 days, never after valid_until.
    signing_deadline: Timestamp | None = None


@api.post(ONE + "/submit", "submitContract",
          summary="Freeze the terms for review (draft→review) until a signing deadline",
          errors=CHANGE_ERRORS)
def submit(contract_id: str,
           request: Annotated[Submission | None, Body()] = None) -> Response[dict]:
    deadline = request.signing_deadline if request else None
    return _contract(runtime.services.contracts.submit(caller_of(api), contract_id, deadline))


@api.post(ONE + "/request-changes", "requestContractChanges",
          summary="Send back to draft; signatures are cleared (review→draft)",
          errors=(*CHANGE_ERRORS, SigningDeadlinePassed))
def request_changes(contract_id: str,
                    request: Annotated[Reason | None, Body()] = None) -> Response[dict]:
    reason = request.reason if request else None
    return _contract(runtime.services.contracts.request_changes(caller_of(api), contract_id,
                                                                reason))


@api.get(ONE + "/signing-payload", "getSigningPayload",
         summary="What the caller must sign: EIP-712 typed data or an Ed25519 message",
         errors=(NotFound, Forbidden, IllegalTransition))
def signing_payload(contract_id: str) -> dict:
    return runtime.services.contracts.signing_payload(caller_of(api), contract_id)


@api.post(ONE + "/sign", "signContract", summary="Add the caller's signature over the digest",
          errors=(*CHANGE_ERRORS, SigningDeadlinePassed, AlreadySigned, InvalidSignature,
                  MalformedSignature, DidResolutionFailed, DidDocumentTooLarge))
def sign(contract_id: str, request: Annotated[SignRequest, Body()]) -> Response[dict]:
    contract = runtime.services.contracts.sign(caller_of(api), contract_id, request.signature,
                                               request.verification_method)
    count("ContractSignatures")
    return _contract(contract)


@api.post(ONE + "/activate", "activateContract",
          summary="Start a signed contract (signed→active)",
          errors=(*CHANGE_ERRORS, NotYetValid))
def activate(contract_id: str) -> Response[dict]:
    return _contract(runtime.services.contracts.activate(caller_of(api), contract_id))


@api.post(ONE + "/complete", "completeContract", summary="Complete an active contract",
          errors=CHANGE_ERRORS)
def complete(contract_id: str) -> Response[dict]:
    return _contract(runtime.services.contracts.complete(caller_of(api), contract_id))


@api.post(ONE + "/terminate", "terminateContract", summary="Terminate a live contract",
          errors=CHANGE_ERRORS)
def terminate(contract_id: str, request: Annotated[Termination, Body()]) -> Response[dict]:
    return _contract(runtime.services.contracts.terminate(caller_of(api), contract_id,
                                                          request.reason))


class UploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    media_type: str = Field(min_length=1, max_length=100)
    size: int = Field(ge=1)


@api.get(ONE + "/document", "getContractDocument",
         summary="The rendered document (markdown, html or pdf): its SHA-256, which the "
                 "contract digest covers, and a short-lived download link",
         errors=(NotFound, DocumentNotFound, StoredObjectCorrupt))
def document(contract_id: str,
             format: Annotated[Literal["pdf", "html", "markdown"], Query()] = "pdf") -> dict:
    return runtime.services.documents.document(caller_of(api), contract_id, format)


@api.post(ONE + "/attachments", "createAttachmentUpload", status=201,
          summary="A presigned upload for a file to attach to a draft; it is hashed and added "
                  "to the contract (and its digest) when it arrives",
          errors=(NotFound, Forbidden, IllegalTransition, Conflict))
def request_upload(contract_id: str,
                   request: Annotated[UploadRequest, Body()]) -> Response[dict]:
    body = runtime.services.documents.request_upload(caller_of(api), contract_id,
                                                name=request.name,
                                                media_type=request.media_type,
                                                size=request.size)
    return json_response(body, 201)


@api.get(ONE + "/attachments/<attachment_id>", "getAttachment",
         summary="An attachment's record (name, type, size, SHA-256) and a download link",
         errors=(NotFound, DocumentNotFound))
def attachment(contract_id: str, attachment_id: str) -> dict:
    return runtime.services.documents.attachment(caller_of(api), contract_id, attachment_id)


handler = http_entry(api, runtime)
