"""Signing keys from secret strings held in memory (the port: cms.ports.keys)."""

from __future__ import annotations

import secrets

from cms.domain.signing_keys import SigningKey, derive_signing_key


class MemorySigningKeys:
    def __init__(self, *secret_strings: str) -> None:
        """The current secret first, then previous ones; a random one if none is given."""
        self.keys = [derive_signing_key(s) for s in secret_strings or (secrets.token_hex(32),)]

    def current(self) -> SigningKey:
        return self.keys[0]

    def all(self, *, refresh: bool = False) -> list[SigningKey]:
        return list(self.keys)
