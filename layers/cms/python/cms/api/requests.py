"""What a request body must be before any route sees it: small enough, UTF-8, JSON.

API Gateway hands the function the raw body; everything that is not the JSON a route can read
is refused here with a problem (413, 415 or 400), so no parser further in ever meets bytes it
cannot handle. The content type is compared as RFC 9110 says (case-insensitive type, optional
parameters); only ``application/json`` is taken: structured ``+json`` types (RFC 6839) are
refused rather than guessed at, as are charsets other than UTF-8 (RFC 8259 allows no other).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from cms.domain import strict_json
from cms.domain.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

JSON_MEDIA_TYPE = "application/json"
MAX_BODY_DEPTH = 32  # of nested arrays/objects in a request body


# Methods whose body has no meaning here (RFC 9110): it is dropped unread.
_BODILESS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})


def normalise_request(event: dict[str, Any], max_body_bytes: int) -> None:
    """Check the body in place: decoded to text (never base64 past this point) and the
    content type in its canonical spelling. DomainError (as a problem) if refused."""
    if event.get("httpMethod") in _BODILESS:
        event["body"], event["isBase64Encoded"] = None, False
        return
    text = _body_text(event, max_body_bytes)
    headers = event.get("headers") or {}
    names = [name for name in headers if name.lower() == "content-type"]
    declared = headers[names[0]] if names else None
    if text and declared is not None:
        _check_media_type(declared)
    for name in names:  # one spelling, which the resolver's parser recognises
        headers.pop(name)
        (event.get("multiValueHeaders") or {}).pop(name, None)
    if names:
        headers["content-type"] = JSON_MEDIA_TYPE
        if event.get("multiValueHeaders") is not None:
            event["multiValueHeaders"]["content-type"] = [JSON_MEDIA_TYPE]
    event["headers"] = headers
    event["body"] = text or None
    event["isBase64Encoded"] = False


def _body_text(event: dict[str, Any], limit: int) -> str:
    body = event.get("body") or ""
    if len(body) > limit * 4 // 3 + 4:  # even base64 of a body within the limit is shorter
        raise PayloadTooLarge(f"the body exceeds {limit} bytes")
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed("the body is not valid base64", [_whole("not base64")]) \
                from None
    else:
        raw = body.encode("utf-8", errors="surrogatepass")
    if len(raw) > limit:
        raise PayloadTooLarge(f"the body exceeds {limit} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValidationFailed(
            f"the body is not UTF-8 (byte {error.start} is not valid)",
            [_whole("not valid UTF-8")]) from None


def _check_media_type(declared: str) -> None:
    media_type, _, parameters = declared.partition(";")
    media_type = media_type.strip().lower()
    if media_type != JSON_MEDIA_TYPE:
        raise UnsupportedMediaType(f"the body must be {JSON_MEDIA_TYPE}, not "
                                   f"{media_type[:100] or 'an empty type'}")
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in {
                "utf-8", "utf8"}:
            raise UnsupportedMediaType(f"JSON is UTF-8; charset {value.strip()[:40]} is not "
                                       f"accepted")


def _whole(message: str) -> dict[str, str]:
    return {"pointer": "", "message": message}


class BodyNotJson(json.JSONDecodeError):
    """The resolver reports JSONDecodeError as a validation problem with its message."""


def parse_json_body(text: str) -> Any:
    """Request bodies: strict JSON (no duplicate members, bounded nesting) with I-JSON
    numbers, so every value a route sees means the same in every client's language.

    Every request body of this API is an object (an optional one is left out, not null).
    Anything else is refused here: Powertools would otherwise read an array as its first
    element, and null as no body."""
    try:
        value = strict_json.loads(text, max_depth=MAX_BODY_DEPTH, i_json=True)
    except json.JSONDecodeError as error:
        raise BodyNotJson(error.msg, error.doc, error.pos) from None
    except ValueError as error:
        raise BodyNotJson(str(error), text, 0) from None
    if not isinstance(value, dict):
        raise ValidationFailed("the body must be a JSON object",
                               [_whole(f"a JSON object, not {type(value).__name__}")])
    return value
