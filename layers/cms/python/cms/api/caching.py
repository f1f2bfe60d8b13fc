"""Entity tags on reads: every successful GET carries an ``ETag`` (a hash of the body it
sends), and a request whose ``If-None-Match`` names it gets ``304 Not Modified`` without one.

Polling clients (the web UI watching a contract's status, a training job's progress) then
move a few bytes per poll while nothing changes. The tag is derived from the representation
itself, so it is right for every route without each service keeping versions for it.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from cms.domain.errors import ValidationFailed

# Authenticated reads may be kept by the caller's own client only, and checked before reuse.
PRIVATE_REVALIDATE = "private, no-cache"
# A list of tags is short; a longer header is refused rather than compared tag by tag.
IF_NONE_MATCH_MAX = 8192


def check_conditions(event: dict[str, Any]) -> None:
    """If-None-Match is "*" or a list of entity tags (RFC 9110 section 13.1.2); a value that
    names none of ours simply does not match (the answer is a 200), as a cache's garbled
    header should not break a read. Only its length is refused."""
    value = _header(event, "if-none-match")
    if event.get("httpMethod") == "GET" and value is not None and len(value) > IF_NONE_MATCH_MAX:
        raise ValidationFailed("If-None-Match is too long", [
            {"pointer": "header:If-None-Match",
             "message": f"at most {IF_NONE_MATCH_MAX} characters"}])


def entity_tag(body: bytes) -> str:
    digest = hashlib.sha256(body).digest()[:18]
    return '"' + base64.urlsafe_b64encode(digest).decode() + '"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """RFC 9110 section 13.1.2: weak comparison, a list of tags, or ``*``."""
    if not if_none_match:
        return False
    candidates = [item.strip() for item in if_none_match.split(",")]
    return any(candidate == "*" or candidate.removeprefix("W/") == tag
               for candidate in candidates)


def tag_response(event: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """Add the tag to a GET's 200 answer, or turn it into a 304 when the client has it."""
    if event.get("httpMethod") != "GET" or result.get("statusCode") != 200:
        return result
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    tag = entity_tag(raw)
    headers = _headers_of(result)
    headers["ETag"] = [tag]
    if not any(name.lower() == "cache-control" for name in headers):
        headers["Cache-Control"] = [PRIVATE_REVALIDATE]
    if matches(_header(event, "if-none-match"), tag):
        kept = {name: values for name, values in headers.items()
                if name.lower() not in _CONTENT_HEADERS}
        return {"statusCode": 304, "body": "", "isBase64Encoded": False,
                "multiValueHeaders": kept}
    return {**{k: v for k, v in result.items() if k != "headers"},
            "multiValueHeaders": headers}


_CONTENT_HEADERS = {"content-type", "content-length", "content-disposition"}


def _headers_of(result: dict[str, Any]) -> dict[str, list[str]]:
    """A proxy result's headers in the multi-value form REST APIs use (single-value
    ``headers`` folded in)."""
    headers = {name: list(values) for name, values in
               (result.get("multiValueHeaders") or {}).items()}
    for name, value in (result.get("headers") or {}).items():
        headers.setdefault(name, [str(value)])
    return headers


def _header(event: dict[str, Any], name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return value
    return None
