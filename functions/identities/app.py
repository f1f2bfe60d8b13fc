"""Identities function: the caller's profile; administration of status and roles; ending an
identity's sessions."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from cms.api.http import caller_of, http_entry
from cms.api.operations import READ, SESSION, WRITE, Api
from cms.api.schemas.common import DID_PATTERN
from cms.api.schemas.identities import (
    AssignableRole,
    DidDocument,
    Identity,
    IdentityChange,
    IdentityCursor,
    IdentityEvents,
    IdentityPage,
    IdentityStatus,
    IdentitySummary,
    ProfileChange,
)
from cms.domain import identity as domain
from cms.domain.did.syntax import MAX_DID_LENGTH
from cms.domain.errors import (
    Conflict,
    DidDocumentTooLarge,
    DidResolutionFailed,
    Forbidden,
    IdentityNotFound,
    InvalidDid,
    UnsupportedDidMethod,
    ValidationFailed,
)
from cms.ports.identities import IdentityQuery
from cms.runtime import FunctionRuntime

api = Api("identities")
runtime = FunctionRuntime()
SearchText = Annotated[str, Query(min_length=1, max_length=100, description=(
    "A DID prefix (when it starts with did:), else a part of the name or the DID "
    "(case-sensitive)"))]
DidPath = Annotated[str, Path(min_length=7, max_length=MAX_DID_LENGTH, pattern=DID_PATTERN)]


def _identity(identity: domain.Identity) -> Identity:
    return Identity.model_validate(identity.to_json())


@api.get("/api/v1/identities/me", "getMe", limit=READ, summary="The caller's identity",
         errors=(IdentityNotFound,))
def me() -> Identity:
    caller = caller_of(api)
    return _identity(runtime.services.identities.get(caller, caller.did))


@api.patch("/api/v1/identities/me", "updateMe", limit=WRITE,
           summary="Change the caller's own name, metadata or type (user or machine)",
           errors=(IdentityNotFound, Forbidden, Conflict, ValidationFailed))
def update_me(change: Annotated[ProfileChange, Body()]) -> Identity:
    identity = runtime.services.identities.update_profile(
        caller_of(api), name=change.name, metadata=change.metadata,
        identity_type=domain.IdentityType(change.type) if change.type else None)
    return _identity(identity)


@api.get("/api/v1/identities", "listIdentities", limit=READ,
         summary="The platform's identities by status then DID, filtered (admins)",
         errors=(Forbidden,))
def list_identities(
    status: Annotated[IdentityStatus, Query(description="Only identities in this status")] = None,
    role: Annotated[AssignableRole, Query(description="Only identities with this role")] = None,
    q: SearchText = None,
    cursor: Annotated[IdentityCursor, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> IdentityPage:
    page = runtime.services.identities.list(
        caller_of(api), IdentityQuery(status=status, role=role, text=q), cursor, limit)
    return IdentityPage(
        items=[IdentitySummary.model_validate(identity.to_json()) for identity in page.items],
        next_cursor=page.next_cursor)


@api.get("/api/v1/identities/<did>", "getIdentity", limit=READ,
         summary="An identity (the caller's own, or any for auditors and admins)",
         errors=(IdentityNotFound,))
def get(did: DidPath) -> Identity:
    return _identity(runtime.services.identities.get(caller_of(api), did))


@api.patch("/api/v1/identities/<did>", "administerIdentity", limit=WRITE,
           summary="Suspend, reactivate or change roles (admins)",
           errors=(IdentityNotFound, Forbidden, Conflict))
def administer(did: DidPath, change: Annotated[IdentityChange, Body()]) -> Identity:
    identity = runtime.services.identities.administer(
        caller_of(api), did,
        status=domain.IdentityStatus(change.status) if change.status else None,
        roles=[domain.Role(r) for r in change.roles] if change.roles is not None else None,
        identity_type=domain.IdentityType(change.type) if change.type else None)
    return _identity(identity)


@api.delete("/api/v1/identities/<did>/sessions", "revokeSessions", limit=SESSION,
            status=204,
            summary="End every session of an identity: each token issued to it so far stops "
                    "working (the identity itself, or an admin for any)",
            errors=(IdentityNotFound, Forbidden, Conflict))
def revoke_sessions(did: DidPath) -> Response[None]:
    runtime.services.identities.revoke_sessions(caller_of(api), did)
    return Response(status_code=204)


@api.get("/api/v1/identities/<did>/events", "listIdentityEvents", limit=READ,
         summary="The identity's hash-chained audit events (registration, keys, changes)",
         errors=(IdentityNotFound,))
def events(did: DidPath) -> IdentityEvents:
    items = runtime.services.identities.events(caller_of(api), did)
    return IdentityEvents.model_validate({"did": did,
                                          "events": [event.to_json() for event in items]})


@api.get("/api/v1/identities/<did>/did-document", "getDidDocument", limit=READ,
         summary="The identity's DID document as the platform resolves it to verify its "
                 "signatures (the identity itself, auditors and admins)",
         errors=(IdentityNotFound, InvalidDid, UnsupportedDidMethod, DidResolutionFailed,
                 DidDocumentTooLarge))
def did_document(did: DidPath) -> DidDocument:
    document = runtime.services.identities.did_document(caller_of(api), did)
    return DidDocument.model_validate(document.to_json())


handler = http_entry(api, runtime)
