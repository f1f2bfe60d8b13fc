"""Registration and sign-in: DIDs, challenges, access tokens, the keys that verify them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cms.api.schemas.common import Did, Instant, JsonObject, SignatureText

_DID_EXAMPLE = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


class RegisterRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"did": _DID_EXAMPLE,
         "public_key": "2e6fcce36701dc791488e0d0b1745cc1e33a4c1c9fcc41c63bd343dbbe0970e6"}]})
    did: Did
    public_key: str = Field(min_length=1, max_length=512,
                            description="Ed25519 key (hex, base58, multibase) or Ethereum "
                                        "address / secp256k1 public key")
    name: str | None = Field(default=None, min_length=1, max_length=255)
    type: Literal["user", "machine"] = "user"
    metadata: JsonObject | None = Field(default=None,
                                        description="At most 8 KiB as canonical JSON")


class RegisteredKey(BaseModel):
    """The key as registered: everything here follows from the DID and the key sent."""

    credential_id: str
    type: Literal["ed25519_public_key", "ethereum_address"]
    value: str = Field(description="The public key (hex) or the checksummed address")
    verification_method: str = Field(description="The DID URL of the key")


class Registration(BaseModel):
    """What registration tells an unauthenticated caller: only what the DID and key already
    say, the same whether they were registered now or before, and whatever the identity's
    status. The profile (name, roles, status, when each key was added) is for the owner
    after sign-in, at /identities/me."""

    did: Did
    credential: RegisteredKey


class ChallengeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True,
                              json_schema_extra={"examples": [{"did": _DID_EXAMPLE}]})
    did: Did


class Challenge(BaseModel):
    challenge: str = Field(description="The exact text to sign: an EIP-4361 message for "
                                       "Ethereum DIDs, a domain-bound text for others")
    nonce: str
    expires_at: Instant


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"did": _DID_EXAMPLE, "challenge": "localhost:8080 wants you to sign in with your "
                                           "DID:\n…", "signature": "0x" + "9f" * 64 + "1b"}]})
    did: Did
    challenge: str = Field(min_length=1, max_length=4096)
    signature: SignatureText


class AccessToken(BaseModel):
    token: str = Field(description="An EdDSA JWT; send it as Authorization: Bearer")
    token_type: Literal["Bearer"]
    expires_at: Instant
    did: Did


class Jwk(BaseModel):
    kty: Literal["OKP"]
    crv: Literal["Ed25519"]
    x: str
    kid: str
    use: Literal["sig"]
    alg: Literal["EdDSA"]


class Jwks(BaseModel):
    keys: list[Jwk]
