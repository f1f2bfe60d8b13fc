"""When a client signs in again: a token is renewed with the signer that obtained it, shortly
before it expires, so that a long script never meets a 401 for an expired token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cms_client.signers import Signer

# Renew this long before expires_at: the request must still reach the authorizer in time.
RENEW_BEFORE_S = 60.0
# How far this machine's clock may lag the API's: a token refused this close to its expiry
# (by our clock) may simply have expired there. One refused earlier was revoked.
CLOCK_SKEW_S = 300.0


@dataclass(frozen=True)
class SignedIn:
    """A sign-in this client made: the signer, the token it got and when that expires."""

    signer: Signer
    token: str
    expires_at: float  # seconds since the epoch

    @classmethod
    def from_answer(cls, signer: Signer, verified: dict[str, Any]) -> SignedIn | None:
        """None when the answer does not say when the token expires (nothing to renew by)."""
        try:
            expires = datetime.fromisoformat(str(verified["expires_at"]).replace("Z", "+00:00"))
        except (KeyError, ValueError):
            return None
        return cls(signer, verified["token"], expires.timestamp())

    def due(self, token: str | None, now: float) -> bool:
        """True when ``token`` is still this sign-in's and expires within RENEW_BEFORE_S
        (a token set by hand, or none after logout, is never renewed)."""
        return token == self.token and now >= self.expires_at - RENEW_BEFORE_S

    def may_have_expired(self, now: float) -> bool:
        """Whether a refusal of this token can be its expiry rather than a revocation (which
        must stand: "sign out everywhere" and an admin ending sessions stop this client)."""
        return now >= self.expires_at - CLOCK_SKEW_S
