"""Where the access tokens' signing keys come from."""

from __future__ import annotations

from typing import Protocol

from cms.domain.signing_keys import SigningKey


class SigningKeySource(Protocol):
    def current(self) -> SigningKey:
        """The key new tokens are signed with."""

    def all(self, *, refresh: bool = False) -> list[SigningKey]:
        """Every key a token may be verified with (the current one first); ``refresh`` asks
        the source again (a token names a key not seen yet: it may have just rotated)."""
