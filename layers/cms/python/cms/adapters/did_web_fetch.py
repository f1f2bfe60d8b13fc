"""Fetch did:web documents over HTTPS without becoming an SSRF vector.

The DID's host is attacker-chosen, so before any connection the host is resolved and every
address it resolves to must be public; the connection then goes to that vetted address (with
the real hostname for SNI and certificate checks), which defeats DNS rebinding between check and
use. Redirects are refused, and the whole exchange has one deadline and a size cap.

Failure messages go back to unauthenticated callers, so they name the class of failure only;
the addresses a name resolved to and the underlying exception text are logged (at INFO, logger
``cms.did_web``) for operators instead.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import NewConnectionError, ProtocolError, SSLError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from cms.domain.errors import DidResolutionFailed

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_HTTPS_PORT = 443
_CHUNK = 16 * 1024
_ACCEPT = "application/did+json, application/json"
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

logger = logging.getLogger("cms.did_web")
# getaddrinfo has no timeout of its own, so it runs here and is waited for only as long as the
# deadline allows. A lookup that hangs keeps its worker until the system resolver gives up;
# the pool's size bounds how many such threads can pile up.
_RESOLVER_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="did-web-resolve")


def is_public_address(ip: IpAddress) -> bool:
    """True only for globally routable unicast, looking inside IPv6 forms that embed IPv4."""
    if not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
        if ip in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        return all(is_public_address(inner) for inner in embedded if inner is not None)
    return True


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
        target = _Target.of(url, deadline=time.monotonic() + self.timeout_s,
                            timeout_s=self.timeout_s)
        for ip in self._vetted_addresses(target):
            try:
                return self._fetch(ip, target)
            except NewConnectionError as exc:
                logger.info("did:web connect to %s (%s) failed: %r", target.host, ip, exc)
        raise DidResolutionFailed(f"cannot connect to {target.host}:{target.port}")

    def _vetted_addresses(self, target: _Target) -> list[str]:
        infos = _resolve(target)
        addresses = list(dict.fromkeys(str(info[4][0]).split("%", 1)[0] for info in infos))
        if not addresses:
            raise DidResolutionFailed(f"did:web host '{target.host}' has no addresses")
        if not self.allow_private:
            blocked = [a for a in addresses if not is_public_address(ipaddress.ip_address(a))]
            if blocked:
                logger.info("did:web host %s resolves to non-public %s", target.host, blocked)
                raise DidResolutionFailed(
                    f"did:web host '{target.host}': the host resolves to a non-public address "
                    "(private, loopback, link-local or reserved)"
                )
        return addresses

    def _fetch(self, ip: str, target: _Target) -> bytes:
        pool = urllib3.HTTPSConnectionPool(
            host=ip,
            port=target.port,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=self.ca_bundle,
            retries=False,
            maxsize=1,
        )
        with pool, _translated_errors(target):
            remaining = target.remaining()
            response = pool.urlopen(
                "GET",
                target.path,
                headers={"Host": target.host_header, "Accept": _ACCEPT},
                redirect=False,
                preload_content=False,
                timeout=urllib3.Timeout(connect=remaining, read=remaining),
            )
            try:
                return self._read_body(response, target)
            finally:
                response.close()

    def _read_body(self, response: urllib3.BaseHTTPResponse, target: _Target) -> bytes:
        url = target.url
        if 300 <= response.status < 400:
            raise DidResolutionFailed(
                f"fetching {url}: HTTP status {response.status}; redirects are not followed")
        if response.status != 200:
            raise DidResolutionFailed(f"fetching {url}: HTTP status {response.status}")
        too_large = DidResolutionFailed(
            f"fetching {url}: response larger than {self.max_bytes} bytes")
        declared = response.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            raise too_large
        body = bytearray()
        while chunk := _read_chunk(response, target):
            body += chunk
            if len(body) > self.max_bytes:
                raise too_large
        return bytes(body)


@dataclass(frozen=True)
class _Target:
    """One fetch: where to go and by when the whole exchange must be over."""

    url: str
    host: str
    port: int
    path: str
    deadline: float
    timeout_s: float  # the whole budget, for messages

    @classmethod
    def of(cls, url: str, *, deadline: float, timeout_s: float) -> _Target:
        parts = urlsplit(url)
        if parts.scheme != "https":
            raise DidResolutionFailed(f"did:web documents are only fetched over https, not '{url}'")
        if not parts.hostname or parts.username is not None or parts.password is not None:
            raise DidResolutionFailed(f"'{url}' must name a host and carry no credentials")
        try:
            port = parts.port or _HTTPS_PORT
        except ValueError:
            raise DidResolutionFailed(f"'{url}' has an invalid port") from None
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return cls(url, parts.hostname, port, path, deadline, timeout_s)

    @property
    def host_header(self) -> str:
        return self.host if self.port == _HTTPS_PORT else f"{self.host}:{self.port}"

    def remaining(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise self.timed_out()
        return remaining

    def timed_out(self) -> DidResolutionFailed:
        return DidResolutionFailed(f"fetching {self.url} timed out after {self.timeout_s:g}s")


def _resolve(target: _Target) -> list[tuple]:
    """getaddrinfo for the target, given up on (not cancelled) when the deadline passes."""
    future = _RESOLVER_POOL.submit(
        socket.getaddrinfo, target.host, target.port, type=socket.SOCK_STREAM)
    try:
        return future.result(timeout=target.remaining())
    except FutureTimeout:
        future.cancel()  # only helps while it still waits for a worker
        logger.info("did:web name resolution of %s timed out", target.host)
        raise target.timed_out() from None
    except (OSError, UnicodeError) as exc:
        logger.info("did:web name resolution of %s failed: %r", target.host, exc)
        raise DidResolutionFailed(f"cannot resolve did:web host '{target.host}'") from None


def _read_chunk(response: urllib3.BaseHTTPResponse, target: _Target) -> bytes:
    """One socket read bounded by what is left of the overall deadline (defeats trickling)."""
    sock = getattr(getattr(response, "connection", None), "sock", None)
    if sock is not None:
        sock.settimeout(target.remaining())
    return response.read1(_CHUNK)


@contextmanager
def _translated_errors(target: _Target) -> Iterator[None]:
    """Surface transport failures as DidResolutionFailed; a connect failure may try the next IP.

    The message names the class of failure; the exception itself is only logged.
    """
    try:
        yield
    except NewConnectionError:
        raise
    except (Urllib3Timeout, TimeoutError) as exc:
        logger.info("did:web fetch of %s timed out: %r", target.url, exc)
        raise target.timed_out() from None
    except (Urllib3Error, OSError) as exc:
        logger.info("did:web fetch of %s failed: %r", target.url, exc)
        raise DidResolutionFailed(f"fetching {target.url} failed: {_failure_class(exc)}") from None


def _failure_class(exc: Exception) -> str:
    if isinstance(exc, SSLError | ssl.SSLError):
        return "TLS handshake failed"
    if isinstance(exc, ProtocolError | ConnectionError):
        return "the connection was closed or reset"
    return "the HTTP exchange failed"
