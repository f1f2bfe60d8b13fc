"""Auth function: DID registration, sign-in challenge and verification, JWKS (public routes);
logging the caller's token out.

The public routes tell an anonymous caller nothing about whether a DID is registered or
suspended (cms.services.auth): registration answers 200 with the same body either way, a
challenge is issued for any DID, and verification reports an identity's state only to the
holder of its key."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from cms.api.http import caller_of, http_entry, json_response, source_ip_of
from cms.api.observability import count
from cms.api.operations import PUBLIC, SESSION, Api
from cms.api.schemas.auth import (
    AccessToken,
    Challenge,
    ChallengeRequest,
    Jwks,
    RegisterRequest,
    Registration,
    VerifyRequest,
)
from cms.domain.errors import (
    ChallengeExpired,
    ChallengeMismatch,
    ChallengeNotFound,
    ChallengeUsed,
    Conflict,
    DidDocumentTooLarge,
    DidResolutionFailed,
    Forbidden,
    IdentityNotFound,
    IdentitySuspended,
    InvalidDid,
    InvalidSignature,
    KeyMismatch,
    MalformedSignature,
    Unauthorized,
    UnsupportedDidMethod,
    UnsupportedKeyType,
    ValidationFailed,
)
from cms.domain.identity import IdentityType
from cms.runtime import FunctionRuntime

api = Api("auth")
runtime = FunctionRuntime()
DID_ERRORS = (InvalidDid, UnsupportedDidMethod, DidResolutionFailed, DidDocumentTooLarge)


@api.post("/api/v1/auth/register", "registerIdentity", limit=PUBLIC, secured=False,
          summary="Register a DID and its public key (the same answer if they already are)",
          errors=(*DID_ERRORS, KeyMismatch, UnsupportedKeyType, ValidationFailed, Conflict))
def register(request: Annotated[RegisterRequest, Body()]) -> Registration:
    registration = runtime.services.auth.register(
        request.did, request.public_key, source_ip=source_ip_of(api), name=request.name,
        identity_type=IdentityType(request.type), metadata=request.metadata)
    return Registration.model_validate(registration.to_json())


@api.post("/api/v1/auth/challenge", "createChallenge", limit=PUBLIC, secured=False,
          summary="Get a sign-in challenge (EIP-4361 for Ethereum DIDs), for any DID",
          errors=(InvalidDid, UnsupportedDidMethod))
def challenge(request: Annotated[ChallengeRequest, Body()]) -> Challenge:
    issued = runtime.services.auth.challenge(request.did, source_ip_of(api))
    return Challenge.model_validate(issued, from_attributes=True)


@api.post("/api/v1/auth/verify", "createToken", limit=PUBLIC, secured=False,
          summary="Exchange a signed challenge for an access token",
          errors=(*DID_ERRORS, IdentityNotFound, IdentitySuspended, Forbidden,
                  ChallengeExpired, ChallengeMismatch, ChallengeNotFound, ChallengeUsed,
                  Unauthorized, (401, InvalidSignature.code), MalformedSignature,
                  ValidationFailed))
def verify(request: Annotated[VerifyRequest, Body()]) -> AccessToken:
    issued = runtime.services.auth.verify(request.did, request.challenge, request.signature,
                                          source_ip_of(api))
    count("SignIns")
    return AccessToken(token=issued.token, token_type="Bearer",  # noqa: S106 - a scheme
                       expires_at=issued.expires_at, did=request.did)


@api.post("/api/v1/auth/logout", "logout", limit=SESSION, status=204,
          summary="Log out: revoke the access token this request carries (the identity's "
                  "other sessions go on)",
          errors=(Conflict,))
def logout() -> Response[None]:
    runtime.services.sessions.logout(caller_of(api))
    count("Logouts")
    return Response(status_code=204)


@api.get("/.well-known/jwks.json", "getJwks", limit=PUBLIC, secured=False,
         summary="Public keys that verify access tokens")
def jwks() -> Response[Jwks]:
    return json_response(Jwks.model_validate(runtime.services.tokens.jwks()),
                         headers={"Cache-Control": "max-age=300"})


handler = http_entry(api, runtime)
