"""HTTPS to hosts that callers choose (did:web documents, webhooks) without becoming an SSRF
vector.

Before any connection the host is resolved and every address it resolves to must be public;
the connection then goes to that vetted address (with the real hostname for SNI and
certificate checks), which defeats DNS rebinding between check and use. Redirects are never
followed, and the whole exchange (resolution included) has one deadline; bodies are read
under a size cap.

Failure messages may reach unauthenticated callers, so they name the class of failure only;
the addresses a name resolved to and the underlying exception text are logged (at INFO) for
operators instead.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
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

from cms.domain.addresses import is_public_address

_HTTPS_PORT = 443
_CHUNK = 16 * 1024

# getaddrinfo has no timeout of its own, so it runs here and is waited for only as long as the
# deadline allows. A lookup that hangs keeps its worker until the system resolver gives up;
# the pool's size bounds how many such threads can pile up.
_RESOLVER_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="safe-https-resolve")


class HttpsRequestFailed(Exception):
    """The default failure; ``detail`` names the class of failure, never internals."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


ErrorFactory = Callable[[str], Exception]


@dataclass(frozen=True)
class Wording:
    """How failures read for one use, e.g. "did:web host 'x' …", "fetching https://… …"."""

    label: str
    https_only: str
    action: str = "fetching"


class SafeHttpsClient:
    def __init__(
        self,
        wording: Wording,
        *,
        error: ErrorFactory = HttpsRequestFailed,
        logger: logging.Logger | None = None,
        allow_private: bool = False,
        timeout_s: float = 5.0,
        ca_bundle: str | None = None,
    ) -> None:
        self.wording = wording
        self.error = error
        self.log = logger or logging.getLogger("cms.safe_https")
        self.allow_private = allow_private
        self.timeout_s = timeout_s
        self.ca_bundle = ca_bundle or certifi.where()

    def vet(self, url: str) -> list[str]:
        """The addresses ``url``'s host resolves to, refused unless all are allowed."""
        return self._vetted_addresses(self._target(url))

    @contextmanager
    def open(self, method: str, url: str, *, headers: Mapping[str, str] | None = None,
             body: bytes | None = None) -> Iterator[Exchange]:
        """Send the request; the caller reads the response inside the ``with`` block."""
        target = self._target(url)
        sent = None
        for ip in self._vetted_addresses(target):
            sent = self._send(ip, target, method, dict(headers or {}), body)
            if sent is not None:
                break
        if sent is None:
            raise self.error(f"cannot connect to {target.host}:{target.port}")
        pool, response = sent
        with pool, self._translated_errors(target):
            try:
                yield Exchange(target, response)
            finally:
                response.close()

    def post(self, url: str, body: bytes, headers: Mapping[str, str], *,
             max_response_bytes: int = 64 * 1024) -> int:
        """POST and return the status; the response body is read (capped) and discarded."""
        with self.open("POST", url, headers=headers, body=body) as exchange:
            exchange.discard(max_response_bytes)
            return exchange.status

    def _target(self, url: str) -> _Target:
        return _Target.of(url, self, deadline=time.monotonic() + self.timeout_s)

    def _vetted_addresses(self, target: _Target) -> list[str]:
        label = self.wording.label
        infos = self._resolve(target)
        addresses = list(dict.fromkeys(str(info[4][0]).split("%", 1)[0] for info in infos))
        if not addresses:
            raise self.error(f"{label} host '{target.host}' has no addresses")
        if not self.allow_private:
            blocked = [a for a in addresses if not is_public_address(ipaddress.ip_address(a))]
            if blocked:
                self.log.info("%s host %s resolves to non-public %s", label, target.host, blocked)
                raise self.error(
                    f"{label} host '{target.host}': the host resolves to a non-public address "
                    "(private, loopback, link-local or reserved)"
                )
        return addresses

    def _resolve(self, target: _Target) -> list[tuple]:
        """getaddrinfo for the target, given up on (not cancelled) when the deadline passes."""
        label = self.wording.label
        future = _RESOLVER_POOL.submit(
            socket.getaddrinfo, target.host, target.port, type=socket.SOCK_STREAM)
        try:
            return future.result(timeout=target.remaining())
        except FutureTimeout:
            future.cancel()  # only helps while it still waits for a worker
            self.log.info("%s name resolution of %s timed out", label, target.host)
            raise target.timed_out() from None
        except (OSError, UnicodeError) as exc:
            self.log.info("%s name resolution of %s failed: %r", label, target.host, exc)
            raise self.error(f"cannot resolve {label} host '{target.host}'") from None

    def _send(self, ip: str, target: _Target, method: str, headers: dict[str, str],
              body: bytes | None) -> tuple[urllib3.HTTPSConnectionPool,
                                           urllib3.BaseHTTPResponse] | None:
        """Connect to one vetted address and send; None if that address refuses to connect."""
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
        try:
            with self._translated_errors(target):
                remaining = target.remaining()
                response = pool.urlopen(
                    method,
                    target.path,
                    body=body,
                    headers={"Host": target.host_header, **headers},
                    redirect=False,
                    preload_content=False,
                    timeout=urllib3.Timeout(connect=remaining, read=remaining),
                )
        except NewConnectionError as exc:
            pool.close()
            self.log.info("%s connect to %s (%s) failed: %r", self.wording.label, target.host,
                          ip, exc)
            return None
        except BaseException:
            pool.close()
            raise
        return pool, response

    @contextmanager
    def _translated_errors(self, target: _Target) -> Iterator[None]:
        """Surface transport failures as ``error``; a connect failure may try the next IP.

        The message names the class of failure; the exception itself is only logged.
        """
        label, action = self.wording.label, self.wording.action
        try:
            yield
        except NewConnectionError:
            raise
        except (Urllib3Timeout, TimeoutError) as exc:
            self.log.info("%s request to %s timed out: %r", label, target.url, exc)
            raise target.timed_out() from None
        except (Urllib3Error, OSError) as exc:
            self.log.info("%s request to %s failed: %r", label, target.url, exc)
            raise self.error(f"{action} {target.url} failed: {_failure_class(exc)}") from None


class Exchange:
    """A response whose body is read under the request's deadline."""

    def __init__(self, target: _Target, response: urllib3.BaseHTTPResponse) -> None:
        self._target = target
        self._response = response

    @property
    def url(self) -> str:
        return self._target.url

    @property
    def status(self) -> int:
        return self._response.status

    def read(self, max_bytes: int) -> bytes:
        """The whole body; a failure if it is (or declares itself) larger than ``max_bytes``."""
        target = self._target
        too_large = target.error(
            f"{target.action} {target.url}: response larger than {max_bytes} bytes")
        declared = self._response.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            raise too_large
        body = bytearray()
        while chunk := _read_chunk(self._response, target):
            body += chunk
            if len(body) > max_bytes:
                raise too_large
        return bytes(body)

    def discard(self, max_bytes: int) -> None:
        """Read and drop at most about ``max_bytes`` of the body, within the deadline.

        Best effort: the status already is the answer, so a body that is slow, endless or
        cut off is abandoned rather than turning an accepted request into a failure."""
        sock = getattr(getattr(self._response, "connection", None), "sock", None)
        seen = 0
        try:
            while seen < max_bytes:
                remaining = self._target.deadline - time.monotonic()
                if remaining <= 0:
                    return
                if sock is not None:
                    sock.settimeout(remaining)
                chunk = self._response.read1(_CHUNK)
                if not chunk:
                    return
                seen += len(chunk)
        except (Urllib3Error, OSError):
            return


@dataclass(frozen=True)
class _Target:
    """One request: where to go and by when the whole exchange must be over."""

    url: str
    host: str
    port: int
    path: str
    deadline: float
    timeout_s: float  # the whole budget, for messages
    error: ErrorFactory
    action: str

    @classmethod
    def of(cls, url: str, client: SafeHttpsClient, *, deadline: float) -> _Target:
        error = client.error
        parts = urlsplit(url)
        if parts.scheme != "https":
            raise error(f"{client.wording.https_only}, not '{url}'")
        if not parts.hostname or parts.username is not None or parts.password is not None:
            raise error(f"'{url}' must name a host and carry no credentials")
        try:
            port = parts.port or _HTTPS_PORT
        except ValueError:
            raise error(f"'{url}' has an invalid port") from None
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return cls(url, parts.hostname, port, path, deadline, client.timeout_s, error,
                   client.wording.action)

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host  # IPv6 literal
        return host if self.port == _HTTPS_PORT else f"{host}:{self.port}"

    def remaining(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise self.timed_out()
        return remaining

    def timed_out(self) -> Exception:
        return self.error(f"{self.action} {self.url} timed out after {self.timeout_s:g}s")


def _read_chunk(response: urllib3.BaseHTTPResponse, target: _Target) -> bytes:
    """One socket read bounded by what is left of the overall deadline (defeats trickling)."""
    sock = getattr(getattr(response, "connection", None), "sock", None)
    if sock is not None:
        sock.settimeout(target.remaining())
    return response.read1(_CHUNK)


def _failure_class(exc: Exception) -> str:
    if isinstance(exc, SSLError | ssl.SSLError):
        return "TLS handshake failed"
    if isinstance(exc, ProtocolError | ConnectionError):
        return "the connection was closed or reset"
    return "the HTTP exchange failed"
