"""Sessions: what ends a DID's access tokens before they expire.

Access tokens are stateless JWTs; two pieces of state per DID end them early, both in one small
record beside the identity's profile, so that the authorizer reads profile and sessions in one
consistent query:

- ``generation``: every token carries the generation that was current when it was issued
  (claim ``sgen``); a token of an earlier generation is revoked. Revoking all of a DID's
  sessions (and suspending it) raises the generation. It is a number that only grows (the
  time of the revocation in milliseconds, or one more than before), so that it still grows
  after the record has expired and been deleted.
- ``revoked``: tokens logged out one by one, by ``jti``, each with its token's expiry. An entry
  is dropped once its token has expired anyway, so the list holds only live tokens; past
  ``max_revoked`` of them a logout raises the generation instead (it ends every session of the
  DID, a superset of the one asked for), which keeps the record, and the authorizer's read,
  small whatever one identity does.

The record carries a TTL (``expires_at``): after it, every token it refuses has expired, so
deleting it changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

# How the claim is named in access tokens.
GENERATION_CLAIM = "sgen"


@dataclass(frozen=True)
class SessionPolicy:
    """The token rules a sessions record is kept for."""

    token_ttl_s: int
    leeway_s: int
    max_revoked: int


@dataclass(frozen=True)
class Sessions:
    generation: int = 0
    revoked: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    expires_at: int = 0  # epoch seconds; 0 while nothing is stored
    version: int = 0  # the stored record's version (0: none stored)

    def refusal(self, generation: int, jti: str) -> str | None:
        """Why a token of ``generation`` with ``jti`` is no longer accepted, or None."""
        if generation < self.generation:
            return "the identity's sessions were revoked after this token was issued"
        if jti in self.revoked:
            return "this token was logged out"
        return None

    def grant_refusal(self, issued_ms: int, jti: str | None) -> str | None:
        """Why something a token was granted at ``issued_ms`` (epoch milliseconds) and that
        outlives the request, such as a presigned upload form, is no longer honoured: the
        token was logged out, or its identity's sessions ended after the grant (a generation
        is at least the time of the revocation in milliseconds: a grant of the same
        millisecond may predate it, and is refused too). None if it still is."""
        if self.generation and issued_ms <= self.generation:
            return "the session that asked for it has ended since"
        if jti is not None and jti in self.revoked:
            return "the session that asked for it was logged out"
        return None

    def with_token_revoked(self, jti: str, expires: int, *, now: float,
                           policy: SessionPolicy) -> Sessions:
        """This token logged out (entries of tokens expired by now are dropped)."""
        live = {token: exp for token, exp in self.revoked.items()
                if exp + policy.leeway_s >= now}
        if jti not in live and len(live) >= policy.max_revoked:
            return self.with_all_revoked(now=now, policy=policy)
        live[jti] = expires
        return self._kept(self.generation, live, now=now, policy=policy)

    def with_all_revoked(self, *, now: float, policy: SessionPolicy) -> Sessions:
        """Every token issued so far revoked (the logged-out ones included: the list empties)."""
        generation = max(self.generation + 1, int(now * 1000))
        return self._kept(generation, {}, now=now, policy=policy)

    def _kept(self, generation: int, revoked: dict[str, int], *, now: float,
              policy: SessionPolicy) -> Sessions:
        # A token refused for its generation was issued before now, so it expires before
        # now + token TTL; a logged-out one at its own expiry. Past both, plus the leeway the
        # verifier allows, the record refuses nothing a token's expiry would not.
        last = max([int(now) + policy.token_ttl_s, *revoked.values()])
        return replace(self, generation=generation, revoked=MappingProxyType(dict(revoked)),
                       expires_at=last + policy.leeway_s + 1)
