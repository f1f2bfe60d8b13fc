"""Identities function: the caller's profile; administration of status and roles."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel, ConfigDict, Field

from cms.api.http import SECURED, caller_of, create_resolver, lambda_entry
from cms.domain.identity import IdentityStatus, IdentityType, Role
from cms.services import container

app = create_resolver()


class ProfileChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=255)
    metadata: dict[str, Any] | None = None
    type: Literal["user", "machine"] | None = None


class IdentityChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["active", "inactive", "suspended"] | None = None
    roles: list[Literal["admin", "auditor", "enclave"]] | None = None
    type: Literal["user", "machine", "enclave"] | None = None


@app.get("/api/v1/identities/me", security=SECURED, summary="The caller's identity")
def me() -> dict:
    caller = caller_of(app)
    return container.identities().get(caller, caller.did).to_json()


@app.patch("/api/v1/identities/me", security=SECURED,
           summary="Change the caller's own name, metadata or type (user or machine)")
def update_me(change: Annotated[ProfileChange, Body()]) -> dict:
    identity = container.identities().update_profile(
        caller_of(app), name=change.name, metadata=change.metadata,
        identity_type=IdentityType(change.type) if change.type else None)
    return identity.to_json()


@app.get("/api/v1/identities/<did>", security=SECURED,
         summary="An identity (the caller's own, or any for auditors and admins)")
def get(did: str) -> dict:
    return container.identities().get(caller_of(app), did).to_json()


@app.patch("/api/v1/identities/<did>", security=SECURED,
           summary="Suspend, reactivate or change roles (admins)")
def administer(did: str, change: Annotated[IdentityChange, Body()]) -> dict:
    identity = container.identities().administer(
        caller_of(app), did,
        status=IdentityStatus(change.status) if change.status else None,
        roles=[Role(r) for r in change.roles] if change.roles is not None else None,
        identity_type=IdentityType(change.type) if change.type else None)
    return identity.to_json()


@app.get("/api/v1/identities/<did>/events", security=SECURED,
         summary="The identity's hash-chained audit events (registration, keys, changes)")
def events(did: str) -> dict:
    items = container.identities().events(caller_of(app), did)
    return {"did": did, "events": [event.to_json() for event in items]}


handler = lambda_entry(app)
