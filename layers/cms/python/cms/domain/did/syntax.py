"""DID-core syntax: cheap to import (no cryptography), so request validation can use it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cms.domain.errors import InvalidDid, UnsupportedDidMethod

MAX_DID_LENGTH = 2048
SUPPORTED_METHODS = ("key", "pkh", "ethr", "web")

_ID_CHAR = r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})"
_DID_RE = re.compile(rf"did:([a-z0-9]+):((?:{_ID_CHAR}*:)*{_ID_CHAR}+)")
# The DIDs this system takes, as a JSON Schema pattern (the API's document says it).
SUPPORTED_DID_PATTERN = (rf"^did:(?:{'|'.join(SUPPORTED_METHODS)}):"
                         rf"(?:{_ID_CHAR}*:)*{_ID_CHAR}+$")


def is_printable_ascii(text: str) -> bool:
    """Space to '~' only. "Printable" is defined by these 95 characters rather than by
    str.isprintable(), whose answer depends on the Unicode tables of the Python version: the
    TypeScript verifier (sdk/typescript/src/crypto/printable.ts) must give the same answer."""
    return all(" " <= ch <= "~" for ch in text)


@dataclass(frozen=True)
class ParsedDid:
    """A syntactically valid DID of a supported method; method-specific checks come with
    resolution (``resolve_local`` / ``did_web_url``)."""

    did: str
    method: str
    identifier: str


def parse_did(did: str) -> ParsedDid:
    """Check DID-core syntax and that the method is one this system resolves."""
    if not isinstance(did, str) or not did:
        raise InvalidDid("DID must be a non-empty string")
    if len(did) > MAX_DID_LENGTH:
        raise InvalidDid(f"DID is longer than {MAX_DID_LENGTH} characters")
    if not is_printable_ascii(did) or " " in did:
        raise InvalidDid("DID must not contain whitespace, control or non-ASCII characters")
    match = _DID_RE.fullmatch(did)
    if not match:
        raise InvalidDid(_syntax_problem(did))
    method, identifier = match.groups()
    if method not in SUPPORTED_METHODS:
        raise UnsupportedDidMethod(
            f"DID method '{method}' is not supported (supported: {', '.join(SUPPORTED_METHODS)})"
        )
    return ParsedDid(did, method, identifier)


def _syntax_problem(did: str) -> str:
    parts = did.split(":", 2)
    if parts[0] != "did":
        return "DID must start with 'did:'"
    if len(parts) < 3 or not parts[1]:
        return "DID must have the form did:<method>:<method-specific-id>"
    if not re.fullmatch(r"[a-z0-9]+", parts[1]):
        return f"DID method name '{parts[1]}' must be lowercase letters and digits"
    return (
        "DID method-specific id may only contain letters, digits, '.', '-', '_', "
        "percent-escapes and ':' separators, and must not end with ':'"
    )
