"""did:web: where a DID's document lives and how a fetched body becomes a DidDocument (pure).

The URL mapping follows the did:web spec: ':' separates path segments, only the port colon is
percent-encoded (``%3A``), and a bare host maps to ``/.well-known/did.json``. Segments that could
walk the URL path ('.', '..', empty, encoded slashes) are refused so a DID can only ever name a
document below its own host's root.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import unquote

from cms.domain import strict_json
from cms.domain.did.document import DidDocument
from cms.domain.did.methods import parse_did
from cms.domain.did.syntax import is_printable_ascii
from cms.domain.errors import DidResolutionFailed, InvalidDid

_LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.IGNORECASE)
_PORT_RE = re.compile(r"%3A([0-9]{1,5})", re.IGNORECASE)
_MAX_HOST_LENGTH = 253
_MAX_PORT = 65535
# Possessive and allowed to run to the end, so a match starting at '"' can never fail: the scan
# stays linear even on hostile input full of quotes and backslashes.
MAX_JSON_DEPTH = 32


def did_web_url(did: str) -> str:
    """HTTPS URL of the document of a did:web."""
    parsed = parse_did(did)
    if parsed.method != "web":
        raise InvalidDid(f"'{did}' is not a did:web")
    authority, *segments = parsed.identifier.split(":")
    host, port = _split_port(authority)
    _check_host(host)
    for segment in segments:
        _check_segment(segment)
    origin = f"https://{host}" + (f":{port}" if port is not None else "")
    path = "/".join(segments) if segments else ".well-known"
    return f"{origin}/{path}/did.json"


def document_from_body(body: bytes, did: str) -> DidDocument:
    """Parse a fetched did.json; it must be a UTF-8 JSON object whose id is exactly ``did``."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise DidResolutionFailed(f"DID document of {did} is not UTF-8") from None
    try:
        data = strict_json.loads(body, max_depth=MAX_JSON_DEPTH)
    except ValueError as exc:
        raise DidResolutionFailed(f"DID document of {did} is not valid JSON: {exc}") from None
    return DidDocument.from_json(data, expected_id=did)


def _split_port(authority: str) -> tuple[str, int | None]:
    if "%" not in authority:
        return authority, None
    host, sep, rest = authority.partition("%")
    match = _PORT_RE.fullmatch(sep + rest)
    if not match:
        raise InvalidDid("did:web host may only percent-encode the port separator (%3A<port>)")
    port = int(match.group(1))
    if not 0 < port <= _MAX_PORT:
        raise InvalidDid(f"did:web port {port} is out of range")
    return host, port


def _check_host(host: str) -> None:
    """A DNS name or an IPv4 literal (IPv6 literals cannot be written in a did:web)."""
    try:
        ipaddress.IPv4Address(host)
        return
    except ValueError:
        pass
    labels = host.split(".")
    if (
        len(host) > _MAX_HOST_LENGTH
        or not all(_LABEL_RE.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise InvalidDid(f"did:web host '{host}' is not a valid DNS name or IPv4 address")


def _check_segment(segment: str) -> None:
    decoded = unquote(segment)
    walks = decoded in ("", ".", "..") or any(ch in decoded for ch in "/\\?#")
    if walks or not is_printable_ascii(decoded):
        raise InvalidDid(f"did:web path segment '{segment}' is not allowed")
