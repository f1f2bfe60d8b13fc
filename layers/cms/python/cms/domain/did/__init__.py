"""Decentralised identifiers: syntax, documents and resolution for did:key/pkh/ethr/web.

Names are loaded on first use (PEP 562): validating a DID's syntax must not pull the
cryptography and Ethereum libraries into every Lambda's cold start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cms.domain.did.document import DidDocument, VerificationMethod
    from cms.domain.did.methods import controller_of, did_key_from_ed25519, ethereum_address_of
    from cms.domain.did.resolver import DidResolver, WebFetcher
    from cms.domain.did.syntax import ParsedDid, parse_did
    from cms.domain.did.web import did_web_url

_EXPORTS = {
    "DidDocument": "document",
    "VerificationMethod": "document",
    "controller_of": "methods",
    "did_key_from_ed25519": "methods",
    "ethereum_address_of": "methods",
    "DidResolver": "resolver",
    "WebFetcher": "resolver",
    "ParsedDid": "syntax",
    "parse_did": "syntax",
    "did_web_url": "web",
}

__all__ = [
    "DidDocument",
    "DidResolver",
    "ParsedDid",
    "VerificationMethod",
    "WebFetcher",
    "controller_of",
    "did_key_from_ed25519",
    "did_web_url",
    "ethereum_address_of",
    "parse_did",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
