"""Resolve a DID to its DidDocument: did:key / did:pkh / did:ethr locally, did:web via a fetcher.

The fetcher is injected so the domain stays free of I/O; production wires in
``cms.adapters.did_web_fetch.DidWebFetcher``, tests pass a stub.
"""

from __future__ import annotations

from collections.abc import Callable

from cms.domain.did.document import DidDocument
from cms.domain.did.methods import parse_did, resolve_local
from cms.domain.did.web import did_web_url, document_from_body
from cms.domain.errors import DidResolutionFailed

WebFetcher = Callable[[str], bytes]


class DidResolver:
    def __init__(self, web_fetcher: WebFetcher | None = None) -> None:
        """``web_fetcher(url)`` returns the body bytes and raises DidResolutionFailed itself."""
        self._web_fetcher = web_fetcher

    def resolve(self, did: str) -> DidDocument:
        parsed = parse_did(did)
        if parsed.method != "web":
            return resolve_local(parsed)
        url = did_web_url(did)
        if self._web_fetcher is None:
            raise DidResolutionFailed("did:web resolution is not configured")
        return document_from_body(self._web_fetcher(url), did)
