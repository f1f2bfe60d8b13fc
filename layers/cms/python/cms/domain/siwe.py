"""Sign-In with Ethereum (EIP-4361) messages: strict parsing, exact rendering and checking.

A SiweMessage validates every field on construction, so the only way to get one is a message
that satisfies the EIP-4361 ABNF; ``to_text`` of a parsed message reproduces the signed bytes,
which is what the signature is checked against.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from eth_utils import is_checksum_address

from cms.domain.errors import ValidationFailed
from cms.domain.signatures import check_personal_sign

HEADER_SUFFIX = " wants you to sign in with your Ethereum account:"
NONCE_BYTES = 16

_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB_DELIMS = r"!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
_AUTHORITY_RE = re.compile(
    rf"(?:(?:[{_UNRESERVED}{_SUB_DELIMS}:]|{_PCT})*@)?"
    rf"(?P<host>\[[^\]]*\]|(?:[{_UNRESERVED}{_SUB_DELIMS}]|{_PCT})*)"
    r"(?::[0-9]*)?"
)
_URI_RE = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*:"
    r"(?://(?P<authority>[^/?#]*))?"
    rf"(?:{_PCHAR}|/)*"
    rf"(?:\?(?:{_PCHAR}|[/?])*)?"
    rf"(?:#(?:{_PCHAR}|[/?])*)?"
)
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_ADDRESS_RE = re.compile(r"0x[0-9a-fA-F]{40}")
_STATEMENT_RE = re.compile(rf"[{_UNRESERVED}{_SUB_DELIMS}:/?#\[\]@ ]*")
_NONCE_RE = re.compile(r"[A-Za-z0-9]{8,}")
_REQUEST_ID_RE = re.compile(rf"{_PCHAR}*")
_CHAIN_ID_RE = re.compile(r"0|[1-9][0-9]*")
_DATE_TIME_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))"
)

_REQUIRED = (
    ("uri", "URI: "),
    ("version", "Version: "),
    ("chain_id", "Chain ID: "),
    ("nonce", "Nonce: "),
    ("issued_at", "Issued At: "),
)
_OPTIONAL = (
    ("expiration_time", "Expiration Time: "),
    ("not_before", "Not Before: "),
    ("request_id", "Request ID: "),
)
_RESOURCES = "Resources:"


# --- field grammar ---------------------------------------------------------------------------


def parse_datetime(value: str) -> datetime:
    """RFC 3339 date-time (the EIP-4361 timestamp format) as an aware datetime."""
    match = _DATE_TIME_RE.fullmatch(value)
    if not match:
        raise ValueError(f"'{value}' is not an RFC 3339 date-time")
    year, month, day, hour, minute, second, fraction, sign, off_h, off_m = match.groups()
    offset = timedelta(hours=int(off_h or 0), minutes=int(off_m or 0))
    try:
        zone = timezone(-offset if sign == "-" else offset)
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        return datetime(*map(int, (year, month, day, hour, minute, second)), micro, tzinfo=zone)
    except ValueError as exc:
        raise ValueError(f"'{value}' is not a valid date-time: {exc}") from None


def is_authority(value: str, *, require_host: bool) -> bool:
    """RFC 3986 authority: [userinfo@]host[:port], host an IP literal, IPv4 or reg-name."""
    match = _AUTHORITY_RE.fullmatch(value)
    if not match:
        return False
    host = match.group("host")
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return False
    return bool(host) or not require_host


def is_uri(value: str) -> bool:
    """RFC 3986 absolute URI (scheme, optional authority, path, query, fragment)."""
    match = _URI_RE.fullmatch(value)
    if not match:
        return False
    authority = match.group("authority")
    return authority is None or is_authority(authority, require_host=False)


def _grammar_errors(message: SiweMessage) -> list[str]:
    """Every field that breaks the EIP-4361 ABNF, as human-readable reasons."""
    checks = [
        (message.scheme is None or bool(_SCHEME_RE.fullmatch(message.scheme)), "scheme is invalid"),
        (is_authority(message.domain, require_host=True), "domain is not an RFC 3986 authority"),
        (_is_eip55(message.address), "address is not an EIP-55 checksummed address"),
        (
            message.statement is None or bool(_STATEMENT_RE.fullmatch(message.statement)),
            "statement has characters outside the allowed set (e.g. a line break)",
        ),
        (is_uri(message.uri), "uri is not an RFC 3986 URI"),
        (message.version == "1", "version must be '1'"),
        (
            isinstance(message.chain_id, int)
            and not isinstance(message.chain_id, bool)
            and message.chain_id >= 0,
            "chain id must be a non-negative integer",
        ),
        (bool(_NONCE_RE.fullmatch(message.nonce)), "nonce must be 8+ letters or digits"),
        (
            message.request_id is None or bool(_REQUEST_ID_RE.fullmatch(message.request_id)),
            "request id has characters outside RFC 3986 pchar",
        ),
    ]
    errors = [reason for ok, reason in checks if not ok]
    errors += [f"resource '{r}' is not an RFC 3986 URI" for r in message.resources if not is_uri(r)]
    return errors + _timestamp_errors(message)


def _is_eip55(address: str) -> bool:
    return bool(_ADDRESS_RE.fullmatch(address)) and is_checksum_address(address)


def _timestamp_errors(message: SiweMessage) -> list[str]:
    errors = []
    for name in ("issued_at", "expiration_time", "not_before"):
        value = getattr(message, name)
        if value is None:
            continue
        try:
            parse_datetime(value)
        except ValueError as exc:
            errors.append(f"{name}: {exc}")
    return errors


# --- message ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiweMessage:
    domain: str
    address: str
    statement: str | None
    uri: str
    version: str
    chain_id: int
    nonce: str
    issued_at: str
    expiration_time: str | None = None
    not_before: str | None = None
    request_id: str | None = None
    resources: tuple[str, ...] = ()
    scheme: str | None = None

    def __post_init__(self) -> None:
        errors = _grammar_errors(self)
        if errors:
            raise ValidationFailed(
                f"invalid SIWE message: {errors[0]}",
                [{"field": "message", "message": error} for error in errors],
            )

    def to_text(self) -> str:
        """The exact EIP-4361 text a wallet signs."""
        origin = f"{self.scheme}://{self.domain}" if self.scheme else self.domain
        lines = [origin + HEADER_SUFFIX, self.address, ""]
        if self.statement is not None:
            lines.append(self.statement)
        lines.append("")
        lines += [f"{label}{getattr(self, name)}" for name, label in _REQUIRED]
        lines += [
            f"{label}{getattr(self, name)}"
            for name, label in _OPTIONAL
            if getattr(self, name) is not None
        ]
        if self.resources:
            lines += [_RESOURCES, *(f"- {resource}" for resource in self.resources)]
        return "\n".join(lines)


def new_nonce() -> str:
    """128 random bits as 32 hex digits (alphanumeric, as EIP-4361 nonces must be)."""
    return secrets.token_hex(NONCE_BYTES)


# --- parsing -------------------------------------------------------------------------------


class _Lines:
    """Cursor over the message lines; every deviation from the layout is a ValidationFailed."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.index = 0

    def peek(self) -> str | None:
        return self.lines[self.index] if self.index < len(self.lines) else None

    def take(self, what: str) -> str:
        line = self.peek()
        if line is None:
            raise ValidationFailed(f"invalid SIWE message: missing {what}")
        self.index += 1
        return line

    def take_prefixed(self, prefix: str) -> str:
        line = self.take(prefix.strip())
        if not line.startswith(prefix):
            raise ValidationFailed(
                f"invalid SIWE message: line {self.index} should start with '{prefix}'"
            )
        return line[len(prefix) :]

    def take_blank(self) -> None:
        if self.take("blank line"):
            raise ValidationFailed(f"invalid SIWE message: line {self.index} should be blank")

    def optional(self, prefix: str) -> str | None:
        line = self.peek()
        return self.take_prefixed(prefix) if line is not None and line.startswith(prefix) else None


def parse_siwe(text: str) -> SiweMessage:
    """Parse an EIP-4361 message strictly (fields in order, exact layout, valid grammar)."""
    cursor = _Lines(text)
    header = cursor.take("header")
    if not header.endswith(HEADER_SUFFIX):
        raise ValidationFailed(f"invalid SIWE message: header must end with '{HEADER_SUFFIX}'")
    scheme, domain = _split_origin(header[: -len(HEADER_SUFFIX)])
    address = cursor.take("address")
    cursor.take_blank()
    statement = _take_statement(cursor)
    required = {name: cursor.take_prefixed(label) for name, label in _REQUIRED}
    optional = {name: cursor.optional(label) for name, label in _OPTIONAL}
    resources = _take_resources(cursor)
    if cursor.peek() is not None:
        raise ValidationFailed(
            f"invalid SIWE message: unexpected line {cursor.index + 1}: {cursor.peek()!r}"
        )
    return SiweMessage(
        domain=domain,
        address=address,
        statement=statement,
        uri=required["uri"],
        version=required["version"],
        chain_id=_chain_id(required["chain_id"]),
        nonce=required["nonce"],
        issued_at=required["issued_at"],
        expiration_time=optional["expiration_time"],
        not_before=optional["not_before"],
        request_id=optional["request_id"],
        resources=resources,
        scheme=scheme,
    )


def _split_origin(origin: str) -> tuple[str | None, str]:
    scheme, sep, domain = origin.partition("://")
    return (scheme, domain) if sep else (None, origin)


def _take_statement(cursor: _Lines) -> str | None:
    """``[ statement LF ] LF``: one blank line means no statement."""
    first = cursor.take("statement or blank line")
    if first == "" and cursor.peek() not in ("", None):
        return None
    cursor.take_blank()
    return first


def _take_resources(cursor: _Lines) -> tuple[str, ...]:
    if cursor.peek() != _RESOURCES:
        return ()
    cursor.take(_RESOURCES)
    resources = []
    while (line := cursor.peek()) is not None and line.startswith("- "):
        resources.append(cursor.take("resource")[2:])
    if not resources:
        raise ValidationFailed("invalid SIWE message: 'Resources:' must list at least one URI")
    return tuple(resources)


def _chain_id(value: str) -> int:
    if not _CHAIN_ID_RE.fullmatch(value):
        raise ValidationFailed(f"invalid SIWE message: chain id '{value}' is not a decimal number")
    return int(value)


# --- checking ------------------------------------------------------------------------------


def check_siwe(
    message: SiweMessage,
    signature: str,
    *,
    now: datetime,
    expected_domain: str | None,
    expected_nonce: str | None = None,
) -> None:
    """Accept a signed sign-in message or raise why not.

    Time window, domain binding and nonce failures raise ValidationFailed; a signature that is
    not the address's raises InvalidSignature (MalformedSignature if it cannot be decoded).
    Like the reference implementation, ``now >= expiration_time`` counts as expired.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    _check_window(message, now.astimezone(UTC))
    if expected_domain is not None and message.domain != expected_domain:
        raise ValidationFailed(
            f"SIWE domain '{message.domain}' does not match the expected '{expected_domain}'"
        )
    if expected_nonce is not None and not _same(message.nonce, expected_nonce):
        raise ValidationFailed("SIWE nonce does not match the issued challenge")
    check_personal_sign(message.to_text(), signature, message.address)


def _check_window(message: SiweMessage, now: datetime) -> None:
    if message.expiration_time is not None and now >= parse_datetime(message.expiration_time):
        raise ValidationFailed(f"SIWE message expired at {message.expiration_time}")
    if message.not_before is not None and now < parse_datetime(message.not_before):
        raise ValidationFailed(f"SIWE message is not valid before {message.not_before}")


def _same(a: str, b: str) -> bool:
    """Constant-time comparison that also accepts non-ASCII input (compare_digest on str won't)."""
    return secrets.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
