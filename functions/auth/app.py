"""Auth function: DID registration, sign-in challenge and verification, JWKS. Public routes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel, ConfigDict, Field

from cms.api.http import create_resolver, json_response, lambda_entry, source_ip_of
from cms.api.observability import count
from cms.api.types import Did
from cms.domain.identity import IdentityType
from cms.services import container

app = create_resolver()


class RegisterRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    did: Did
    public_key: str = Field(min_length=1, max_length=512,
                            description="Ed25519 key (hex, base58, multibase) or Ethereum "
                                        "address / secp256k1 public key")
    name: str | None = Field(default=None, min_length=1, max_length=255)
    type: Literal["user", "machine"] = "user"
    metadata: dict[str, Any] | None = None


class ChallengeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    did: Did


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    did: Did
    challenge: str = Field(min_length=1, max_length=4096)
    signature: str = Field(min_length=1, max_length=1024)


@app.post("/api/v1/auth/register", summary="Register a DID and its public key",
          responses={201: {"description": "Registered"},
                     200: {"description": "Already registered"}})
def register(request: Annotated[RegisterRequest, Body()]) -> Response[dict]:
    registration = container.auth().register(
        request.did, request.public_key, source_ip=source_ip_of(app), name=request.name,
        identity_type=IdentityType(request.type), metadata=request.metadata)
    return json_response(registration.to_json(), 201 if registration.created else 200)


@app.post("/api/v1/auth/challenge", summary="Get a sign-in challenge (EIP-4361 for Ethereum DIDs)")
def challenge(request: Annotated[ChallengeRequest, Body()]) -> dict:
    return container.auth().challenge(request.did, source_ip_of(app)).to_json()


@app.post("/api/v1/auth/verify", summary="Exchange a signed challenge for an access token")
def verify(request: Annotated[VerifyRequest, Body()]) -> dict:
    issued = container.auth().verify(request.did, request.challenge, request.signature,
                                     source_ip_of(app))
    count("SignIns")
    return {"token": issued.token, "token_type": "Bearer", "expires_at": issued.expires_at,
            "did": request.did}


@app.get("/.well-known/jwks.json", summary="Public keys that verify access tokens")
def jwks() -> Response[dict]:
    return json_response(container.tokens().jwks(), headers={"Cache-Control": "max-age=300"})


handler = lambda_entry(app)
