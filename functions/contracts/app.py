"""Contracts function: create, read, list, edit drafts, and the lifecycle transitions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, ConfigDict, Field

from cms.api.http import SECURED, caller_of, create_resolver, json_response, lambda_entry
from cms.api.observability import count
from cms.api.types import Did, Timestamp
from cms.domain.contracts import Content, Contract
from cms.services import container

app = create_resolver()
BASE = "/api/v1/contracts"
ONE = BASE + "/<contract_id>"

Terms = dict[str, Any] | Annotated[str, Field(min_length=1)]


class ContractCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    consumer_did: Did
    terms: Terms
    valid_from: Timestamp
    valid_until: Timestamp
    metadata: dict[str, Any] = Field(default_factory=dict)


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


def _fields(model: BaseModel) -> dict[str, Any]:
    """The fields the client sent, without nulls; the domain normalises the timestamps."""
    values = model.model_dump(exclude_unset=True, exclude_none=True)
    return {name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in values.items()}


def _contract(contract: Contract, status: int = 200) -> Response[dict]:
    return json_response(contract.to_json(), status)


@app.post(BASE, security=SECURED, summary="Create a draft contract (the caller is the provider)")
def create(request: Annotated[ContractCreate, Body()]) -> Response[dict]:
    caller = caller_of(app)
    fields = {"description": "", "metadata": {}, **_fields(request),
              "provider_did": caller.did}

    def make() -> dict[str, Any]:
        return container.contracts().create(caller, Content.from_json(fields)).to_json()

    key = app.current_event.headers.get("idempotency-key")
    if key is None:
        body = make()
    else:
        # Imported here: Powertools idempotency pulls in boto3, which most requests never need.
        from cms.api.idempotency import run_once

        body = run_once("contracts.create", caller.did, key, fields, compute=make,
                        lambda_context=app.lambda_context)
    count("ContractsCreated")
    return json_response(body, 201, {"Location": f"{BASE}/{body['id']}"})


@app.get(BASE, security=SECURED, summary="List contracts visible to the caller, newest first")
def list_contracts(
    status: Annotated[Literal["draft", "review", "signed", "active", "completed", "terminated",
                              "expired"] | None, Query()] = None,
    role: Annotated[Literal["provider", "consumer"] | None, Query()] = None,
    scope: Annotated[Literal["mine", "all"], Query()] = "mine",
    cursor: Annotated[str | None, Query(max_length=4096)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict:
    page = container.contracts().list(caller_of(app), status=status, role=role, scope=scope,
                                      cursor=cursor, limit=limit)
    return {"items": [c.to_json() for c in page.items], "next_cursor": page.next_cursor}


@app.get(ONE, security=SECURED, summary="Get a contract")
def get(contract_id: str) -> Response[dict]:
    return _contract(container.contracts().get(caller_of(app), contract_id))


@app.patch(ONE, security=SECURED, summary="Edit a draft (provider only)")
def update(contract_id: str, request: Annotated[ContractPatch, Body()]) -> Response[dict]:
    return _contract(container.contracts().update(caller_of(app), contract_id,
                                                  _fields(request)))


@app.post(ONE + "/submit", security=SECURED, summary="Freeze the terms for review (draft→review)")
def submit(contract_id: str) -> Response[dict]:
    return _contract(container.contracts().submit(caller_of(app), contract_id))


@app.post(ONE + "/request-changes", security=SECURED,
          summary="Send back to draft; signatures are cleared (review→draft)")
def request_changes(contract_id: str,
                    request: Annotated[Reason | None, Body()] = None) -> Response[dict]:
    reason = request.reason if request else None
    return _contract(container.contracts().request_changes(caller_of(app), contract_id, reason))


@app.get(ONE + "/signing-payload", security=SECURED,
         summary="What the caller must sign: EIP-712 typed data or an Ed25519 message")
def signing_payload(contract_id: str) -> dict:
    return container.contracts().signing_payload(caller_of(app), contract_id)


@app.post(ONE + "/sign", security=SECURED, summary="Add the caller's signature over the digest")
def sign(contract_id: str, request: Annotated[SignRequest, Body()]) -> Response[dict]:
    contract = container.contracts().sign(caller_of(app), contract_id, request.signature,
                                          request.verification_method)
    count("ContractSignatures")
    return _contract(contract)


@app.post(ONE + "/activate", security=SECURED, summary="Start a signed contract (signed→active)")
def activate(contract_id: str) -> Response[dict]:
    return _contract(container.contracts().activate(caller_of(app), contract_id))


@app.post(ONE + "/complete", security=SECURED, summary="Complete an active contract")
def complete(contract_id: str) -> Response[dict]:
    return _contract(container.contracts().complete(caller_of(app), contract_id))


@app.post(ONE + "/terminate", security=SECURED, summary="Terminate a live contract")
def terminate(contract_id: str, request: Annotated[Termination, Body()]) -> Response[dict]:
    return _contract(container.contracts().terminate(caller_of(app), contract_id, request.reason))


handler = lambda_entry(app)
