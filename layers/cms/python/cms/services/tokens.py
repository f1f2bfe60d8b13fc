"""Access tokens: short-lived EdDSA JWTs with a pinned algorithm."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt

from cms.config import Settings
from cms.domain.canonical import iso_utc, utc_now
from cms.domain.errors import InvalidToken
from cms.domain.sessions import GENERATION_CLAIM
from cms.domain.signing_keys import SigningKey
from cms.ports.keys import SigningKeySource

ALGORITHM = "EdDSA"  # the only algorithm accepted: no "none", no HS256 key confusion
REQUIRED_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "sub", "jti", GENERATION_CLAIM]


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: str
    jti: str


class TokenService:
    def __init__(self, keys: SigningKeySource, settings: Settings) -> None:
        self._keys = keys
        self._settings = settings

    def issue(self, did: str, roles: list[str], generation: int) -> IssuedToken:
        """A token for ``did`` in its sessions' current ``generation`` (cms.domain.sessions)."""
        now = utc_now()
        expires = now + timedelta(seconds=self._settings.token_ttl_s)
        key = self._keys.current()
        jti = uuid.uuid4().hex
        claims = {
            "iss": self._settings.jwt_issuer, "aud": self._settings.jwt_audience, "sub": did,
            "iat": int(now.timestamp()), "nbf": int(now.timestamp()),
            "exp": int(expires.timestamp()), "jti": jti, "roles": sorted(roles),
            GENERATION_CLAIM: generation,
        }
        token = jwt.encode(claims, key.private_key, algorithm=ALGORITHM,
                           headers={"kid": key.kid, "typ": "JWT"})
        return IssuedToken(token, iso_utc(expires), jti)

    def verify(self, token: str, *, valid_for_s: float = 0) -> dict[str, Any]:
        """Claims of a valid token; InvalidToken (with the reason) otherwise.

        ``valid_for_s``: the token must stay valid that much longer (up to the clock-skew
        leeway), for an answer that is kept that long: the authorizer's, which API Gateway
        caches, so that no cached answer lets a token past its expiry plus the leeway.
        """
        key = self._key_for(token)
        leeway = self._settings.token_leeway_s
        try:
            claims = jwt.decode(
                token, key.public_key, algorithms=[ALGORITHM],
                audience=self._settings.jwt_audience, issuer=self._settings.jwt_issuer,
                leeway=leeway, options={"require": REQUIRED_CLAIMS})
        except jwt.ExpiredSignatureError as error:
            raise InvalidToken("the token has expired") from error
        except jwt.InvalidAudienceError as error:
            raise InvalidToken("the token is for another audience") from error
        except jwt.InvalidIssuerError as error:
            raise InvalidToken("the token was issued by someone else") from error
        except jwt.InvalidTokenError as error:
            raise InvalidToken(f"the token is not valid: {error}") from error
        if claims["exp"] + leeway < time.time() + valid_for_s:
            raise InvalidToken("the token expires before this answer would")
        generation = claims[GENERATION_CLAIM]
        if not isinstance(generation, int) or isinstance(generation, bool) or generation < 0:
            raise InvalidToken(f"the token's {GENERATION_CLAIM} claim is not a generation")
        return claims

    def jwks(self) -> dict:
        return {"keys": [key.public_jwk() for key in self._keys.all()]}

    def _key_for(self, token: str) -> SigningKey:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as error:
            raise InvalidToken("the token is malformed") from error
        if header.get("alg") != ALGORITHM:
            raise InvalidToken(f"algorithm {header.get('alg')!r} is not accepted")
        kid = header.get("kid")
        for refresh in (False, True):  # an unknown kid may mean the key was just rotated
            for key in self._keys.all(refresh=refresh):
                if key.kid == kid:
                    return key
        raise InvalidToken("the token was signed with an unknown key")
