"""Fetch did:web documents over HTTPS without becoming an SSRF vector.

The DID's host is attacker-chosen, so the fetch goes through ``cms.adapters.safe_https``:
every address the host resolves to must be public, the connection goes to that vetted address
(defeating DNS rebinding), redirects are refused, and the whole exchange has one deadline and
a size cap.

Failure messages go back to unauthenticated callers, so they name the class of failure only;
the addresses a name resolved to and the underlying exception text are logged (at INFO, logger
``cms.did_web``) for operators instead.
"""

from __future__ import annotations

import logging
import socket  # noqa: F401 - tests patch did_web_fetch.socket.getaddrinfo (the module's own)

import certifi

from cms.adapters.safe_https import SafeHttpsClient, Wording
from cms.domain.addresses import IpAddress, is_public_address
from cms.domain.errors import DidResolutionFailed

__all__ = ["DidWebFetcher", "IpAddress", "is_public_address"]

_ACCEPT = "application/did+json, application/json"
_WORDING = Wording(label="did:web", https_only="did:web documents are only fetched over https")

logger = logging.getLogger("cms.did_web")


class DidWebFetcher:
    """``fetcher(url) -> body``; every failure is a DidResolutionFailed with the reason."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        timeout_s: float = 5.0,
        max_bytes: int = 256 * 1024,
        ca_bundle: str | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.ca_bundle = ca_bundle or certifi.where()

    def __call__(self, url: str) -> bytes:
        client = SafeHttpsClient(_WORDING, error=DidResolutionFailed, logger=logger,
                                 allow_private=self.allow_private, timeout_s=self.timeout_s,
                                 ca_bundle=self.ca_bundle)
        with client.open("GET", url, headers={"Accept": _ACCEPT}) as response:
            if 300 <= response.status < 400:
                raise DidResolutionFailed(f"fetching {url}: HTTP status {response.status}; "
                                          "redirects are not followed")
            if response.status != 200:
                raise DidResolutionFailed(f"fetching {url}: HTTP status {response.status}")
            return response.read(self.max_bytes)
