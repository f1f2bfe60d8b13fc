"""Decentralised identifiers: syntax, documents and resolution for did:key/pkh/ethr/web."""

from cms.domain.did.document import DidDocument, VerificationMethod
from cms.domain.did.methods import (
    ParsedDid,
    did_key_from_ed25519,
    ethereum_address_of,
    parse_did,
)
from cms.domain.did.resolver import DidResolver, WebFetcher
from cms.domain.did.web import did_web_url

__all__ = [
    "DidDocument",
    "DidResolver",
    "ParsedDid",
    "VerificationMethod",
    "WebFetcher",
    "did_key_from_ed25519",
    "did_web_url",
    "ethereum_address_of",
    "parse_did",
]
