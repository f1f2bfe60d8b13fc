"""Sessions: which access tokens are still good (the authorizer), and logging one out.

A token is accepted while it is valid (signature, claims, expiry up to a few seconds of clock
skew, for as long as API Gateway may cache the answer), its identity is active, and its
identity's sessions record (cms.domain.sessions) does not refuse it. Profile and record come
from one consistent read, so a logout, a revocation or a suspension is seen by the next
uncached authorization: within the authorizer's cache TTL on every route.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from cms.config import Settings
from cms.domain.errors import Conflict, InvalidToken, Unauthorized
from cms.domain.identity import Caller, IdentityStatus
from cms.domain.sessions import GENERATION_CLAIM, SessionPolicy
from cms.ports.errors import WriteConflict
from cms.ports.identities import IdentityStore
from cms.services.tokens import TokenService

ATTEMPTS = 3


def session_policy(settings: Settings) -> SessionPolicy:
    return SessionPolicy(token_ttl_s=settings.token_ttl_s, leeway_s=settings.token_leeway_s,
                         max_revoked=settings.max_revoked_tokens)


@dataclass(frozen=True)
class Authorization:
    """Who a request's token speaks for, as the handlers learn it from the authorizer."""

    did: str
    roles: tuple[str, ...]  # the live identity's, not the token's
    token_id: str
    expires: int


class SessionService:
    def __init__(self, identities: IdentityStore, tokens: TokenService, settings: Settings,
                 clock: Callable[[], float] = time.time) -> None:
        self._identities = identities
        self._tokens = tokens
        self._settings = settings
        self._clock = clock

    def authorize(self, token: str) -> Authorization:
        """The token's principal; InvalidToken (with the reason, for the log) otherwise."""
        claims = self._tokens.verify(token,
                                     valid_for_s=self._settings.authorizer_cache_ttl_s)
        identity, sessions = self._identities.standing(claims["sub"])
        if identity is None or identity.status != IdentityStatus.ACTIVE:
            raise InvalidToken("the identity is not active")
        refusal = sessions.refusal(claims[GENERATION_CLAIM], claims["jti"])
        if refusal is not None:
            raise InvalidToken(refusal)
        return Authorization(identity.did, identity.roles, claims["jti"], claims["exp"])

    def logout(self, caller: Caller) -> None:
        """Revoke the token the caller came with (its other sessions go on)."""
        if caller.token_id is None or caller.token_expires is None:
            raise Unauthorized("this route requires the bearer token it is to log out")
        policy = session_policy(self._settings)
        for _ in range(ATTEMPTS):
            current = self._identities.sessions(caller.did)
            if caller.token_id in current.revoked:
                return  # already logged out (a retried request)
            changed = current.with_token_revoked(caller.token_id, caller.token_expires,
                                                 now=self._clock(), policy=policy)
            try:
                self._identities.save_sessions(caller.did, changed)
                return
            except WriteConflict:
                continue  # another logout or a revocation landed first: read again
        raise Conflict("the identity's sessions changed concurrently; retry the logout")
