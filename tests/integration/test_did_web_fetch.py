"""DidWebFetcher against a real local HTTPS server: resolution, SSRF guards and limits."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from base58 import b58encode
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from nacl.signing import SigningKey

from cms.adapters import did_web_fetch
from cms.adapters.did_web_fetch import DidWebFetcher, is_public_address
from cms.domain.did import DidResolver, did_web_url
from cms.domain.errors import DidResolutionFailed
from cms.domain.signatures import verify_message_signature

SIGNER = SigningKey(b"\x11" * 32)
SLOW_DELAY_S = 1.5
TIMEOUT_S = 0.5


# --- certificates ----------------------------------------------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a leaf for localhost / 127.0.0.1 signed by it (as real PKI does)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("cms test CA"))
        .issuer_name(_name("cms test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    leaf_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca_cert.subject)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.IPv4Address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    ca_path, cert_path, key_path = (directory / n for n in ("ca.pem", "leaf.pem", "leaf.key"))
    ca_path.write_bytes(ca_cert.public_bytes(pem))
    cert_path.write_bytes(leaf_cert.public_bytes(pem))
    key_path.write_bytes(
        leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return ca_path, cert_path, key_path


# --- server ----------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    """Routes: the DID document, a huge body, a trickling body, a redirect, anything else 404."""

    documents: dict[str, bytes] = {}

    def do_GET(self) -> None:
        if self.path in self.documents:
            self._send(200, self.documents[self.path])
        elif self.path == "/big/did.json":
            self._send(200, b" " * (64 * 1024), length=False)
        elif self.path == "/slow/did.json":
            self._send_slowly()
        elif self.path == "/moved/did.json":
            self.send_response(302)
            self.send_header("Location", "https://127.0.0.1/.well-known/did.json")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._send(404, b"{}")

    def _send(self, status: int, body: bytes, *, length: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/did+json")
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_slowly(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.end_headers()
        self.wfile.write(b"{")
        self.wfile.flush()
        time.sleep(SLOW_DELAY_S)
        self.wfile.write(b" " * 99)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up mid-response is what several tests do on purpose."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, str]]:
    ca_path, cert_path, key_path = _write_certificates(tmp_path_factory.mktemp("tls"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    httpd = _QuietServer(("127.0.0.1", 0), _Handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    port = httpd.server_address[1]
    did = f"did:web:localhost%3A{port}"
    _Handler.documents = {"/.well-known/did.json": json.dumps(_document(did)).encode()}
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield port, str(ca_path)
    httpd.shutdown()
    httpd.server_close()


def _document(did: str) -> dict[str, object]:
    return {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": "#key-1",
                "type": "Ed25519VerificationKey2018",
                "controller": did,
                "publicKeyBase58": b58encode(bytes(SIGNER.verify_key)).decode(),
            }
        ],
        "authentication": ["#key-1"],
    }


def _fetcher(ca: str, max_bytes: int = 256 * 1024) -> DidWebFetcher:
    """A fetcher that trusts the test CA and may reach loopback (the server lives there)."""
    return DidWebFetcher(allow_private=True, ca_bundle=ca, timeout_s=TIMEOUT_S, max_bytes=max_bytes)


# --- tests -----------------------------------------------------------------------------------


def test_resolves_and_verifies_through_did_resolver(server: tuple[int, str]) -> None:
    port, ca = server
    did = f"did:web:localhost%3A{port}"
    document = DidResolver(web_fetcher=_fetcher(ca)).resolve(did)
    challenge = "Sign in to CMS\nnonce: 0123456789abcdef"
    signature = SIGNER.sign(challenge.encode()).signature.hex()
    method = verify_message_signature(document, challenge, signature)
    assert method.id == f"{did}#key-1"


def test_loopback_is_rejected_by_default(server: tuple[int, str]) -> None:
    port, ca = server
    with pytest.raises(DidResolutionFailed, match="non-public address"):
        DidWebFetcher(ca_bundle=ca, timeout_s=TIMEOUT_S)(did_web_url(f"did:web:localhost%3A{port}"))


def test_untrusted_certificate_is_rejected(server: tuple[int, str]) -> None:
    port, _ = server
    with pytest.raises(DidResolutionFailed, match="TLS handshake failed"):
        DidWebFetcher(allow_private=True, timeout_s=TIMEOUT_S)(
            f"https://localhost:{port}/.well-known/did.json"
        )


def test_oversize_body_is_rejected(server: tuple[int, str]) -> None:
    port, ca = server
    with pytest.raises(DidResolutionFailed, match="response larger than 1024 bytes"):
        _fetcher(ca, max_bytes=1024)(f"https://localhost:{port}/big/did.json")


def test_declared_oversize_body_is_rejected_before_reading(server: tuple[int, str]) -> None:
    port, ca = server
    with pytest.raises(DidResolutionFailed, match="response larger than 16 bytes"):
        _fetcher(ca, max_bytes=16)(f"https://localhost:{port}/.well-known/did.json")


def test_slow_body_hits_the_overall_deadline(server: tuple[int, str]) -> None:
    port, ca = server
    started = time.monotonic()
    with pytest.raises(DidResolutionFailed, match=f"timed out after {TIMEOUT_S:g}s"):
        _fetcher(ca)(f"https://localhost:{port}/slow/did.json")
    assert time.monotonic() - started < TIMEOUT_S + 0.5


def test_redirect_is_not_followed(server: tuple[int, str]) -> None:
    port, ca = server
    with pytest.raises(DidResolutionFailed, match="HTTP status 302; redirects are not followed"):
        _fetcher(ca)(f"https://localhost:{port}/moved/did.json")


def test_not_found_is_rejected(server: tuple[int, str]) -> None:
    port, ca = server
    with pytest.raises(DidResolutionFailed, match="HTTP status 404"):
        DidResolver(web_fetcher=_fetcher(ca)).resolve(f"did:web:localhost%3A{port}:nobody")


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/.well-known/did.json",
        "ftp://example.com/did.json",
        "https://user:pw@example.com/did.json",
        "https:///did.json",
    ],
)
def test_only_plain_https_urls_are_fetched(url: str) -> None:
    with pytest.raises(DidResolutionFailed):
        DidWebFetcher()(url)


def _fake_resolution(monkeypatch: pytest.MonkeyPatch, *addresses: str) -> None:
    def getaddrinfo(host: str, port: int, **_: object) -> list[tuple[object, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    monkeypatch.setattr(did_web_fetch.socket, "getaddrinfo", getaddrinfo)


def test_any_private_address_among_the_answers_is_rejected(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _fake_resolution(monkeypatch, "93.184.215.14", "10.1.2.3")
    with caplog.at_level(logging.INFO, logger="cms.did_web"), pytest.raises(
        DidResolutionFailed, match="the host resolves to a non-public address"
    ) as error:
        DidWebFetcher()("https://rebind.example/.well-known/did.json")
    # The caller is not told which internal address the name points at; operators are.
    assert "10.1.2.3" not in error.value.detail
    assert any("10.1.2.3" in r.getMessage() for r in caplog.records if r.name == "cms.did_web")


def test_unresolvable_host_is_a_resolution_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def getaddrinfo(*_: object, **__: object) -> list[object]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(did_web_fetch.socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(DidResolutionFailed, match="cannot resolve") as error:
        DidWebFetcher()("https://nowhere.invalid/.well-known/did.json")
    assert "Name or service not known" not in error.value.detail


def test_slow_name_resolution_hits_the_overall_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    def getaddrinfo(*_: object, **__: object) -> list[object]:
        time.sleep(SLOW_DELAY_S)
        return []

    monkeypatch.setattr(did_web_fetch.socket, "getaddrinfo", getaddrinfo)
    started = time.monotonic()
    with pytest.raises(DidResolutionFailed, match=f"timed out after {TIMEOUT_S:g}s"):
        DidWebFetcher(timeout_s=TIMEOUT_S)("https://slow-dns.example/.well-known/did.json")
    assert time.monotonic() - started < TIMEOUT_S + 0.5


def test_a_refused_connection_does_not_echo_the_error() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DidResolutionFailed) as error:
        DidWebFetcher(allow_private=True, timeout_s=TIMEOUT_S)(
            f"https://localhost:{port}/.well-known/did.json"
        )
    assert error.value.detail == f"cannot connect to localhost:{port}"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),
        ("169.254.169.254", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:169.254.169.254", False),
        ("2002:7f00:1::", False),
        ("2002:a9fe:a9fe::", False),
        ("64:ff9b::a9fe:a9fe", False),
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public
