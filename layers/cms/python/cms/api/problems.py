"""Errors as RFC 9457 problem details: every refusal the handlers make, and the resolver's
exception handlers that turn domain errors (and anything unexpected) into one."""

from __future__ import annotations

import json
import re
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from cms.api.observability import count, logger
from cms.domain.errors import DomainError

PROBLEM_TYPE_BASE = "https://cms.dev/problems/"
PROBLEM_JSON = "application/problem+json"


def problem_body(status: int, code: str, title: str, detail: str,
                 **extra: Any) -> dict[str, Any]:
    return {"type": PROBLEM_TYPE_BASE + code, "title": title, "status": status, "code": code,
            "detail": detail, **extra}


def problem(status: int, code: str, title: str, detail: str,
            headers: dict[str, str] | None = None, **extra: Any) -> Response:
    return Response(status_code=status, content_type=PROBLEM_JSON,
                    body=json.dumps(problem_body(status, code, title, detail, **extra)),
                    headers=headers or {})


def domain_problem(error: DomainError) -> Response:
    headers = {}
    if "retry_after" in error.extra:
        headers["Retry-After"] = str(error.extra["retry_after"])
    extra = {k: v for k, v in error.extra.items() if k != "retry_after"}
    return problem(error.status, error.code, error.title, error.detail, headers, **extra)


def register_problem_handlers(app: APIGatewayRestResolver) -> None:
    @app.exception_handler(DomainError)
    def domain_error(error: DomainError) -> Response:
        if error.status >= 500:
            logger.warning("dependency failure", extra={"code": error.code}, exc_info=True)
        return domain_problem(error)

    @app.exception_handler(RequestValidationError)
    def invalid_request(error: RequestValidationError) -> Response:
        items = error.errors()
        body = (_body_of(app) if any(item.get("loc", ("body",))[:1] == ("body",)
                                     for item in items) else _MISSING)
        # One entry per place and reason: a value that fits none of a union's members has a
        # reason per member, each worth reading.
        errors = list({(e["pointer"], e["message"]): e for e in
                       (_validation_item(item, body) for item in items)}.values())
        return problem(400, "validation_error", "The request is not valid",
                       "; ".join(f"{e['pointer']}: {e['message']}" for e in errors),
                       errors=errors)

    @app.not_found
    def not_found(_: NotFoundError) -> Response:
        return problem(404, "not_found", "Not found",
                       f"no route {app.current_event.http_method} {app.current_event.path}")

    @app.exception_handler(Exception)
    def unexpected(error: Exception) -> Response:
        logger.exception("unhandled error")
        count("UnhandledErrors")
        return problem(500, "internal_error", "Internal error",
                       "the request failed unexpectedly; it has been logged")


# pydantic names the member of a union that failed ("dict[str,any]", "constrained-str");
# those are not part of the client's document, so they are left out of a parameter's name.
_FIELD_PART = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*|\d+)$")
_MISSING = object()


def _body_of(app: APIGatewayRestResolver) -> Any:
    """The body as the route read it, to point into; none if it cannot be read (a route that
    reads no body of its own may have been sent one that is not an object)."""
    try:
        return app.current_event.json_body
    except (ValueError, DomainError):
        return _MISSING


def _validation_item(item: dict[str, Any], body: Any = _MISSING) -> dict[str, str]:
    if item.get("type") == "json_invalid":  # the whole body ("" points at the document)
        reason = item.get("ctx", {}).get("error")
        return {"pointer": "", "message": "the body is not valid JSON"
                + (f": {reason}" if reason else "")}
    location = list(item.get("loc", ()))
    where = str(location[0]) if location else "body"
    if where == "body":  # RFC 6901: "" is the whole body, "/name" a member
        path = _in_body(location[1:], body, missing=item.get("type") == "missing")
        pointer = "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in path)
    else:
        parts = [str(part) for part in location[1:] if _FIELD_PART.match(str(part))]
        pointer = f"{where}:{'.'.join(parts)}"
    message = item.get("msg", "invalid")
    if item.get("type") == "extra_forbidden":
        message = "unknown field"
    return {"pointer": pointer, "message": message}


def _in_body(location: list[Any], body: Any, *, missing: bool = False) -> list[str]:
    """The part of pydantic's location that is a path in the body as sent: members and
    indexes that are there, and a required member that is missing, never a union member's
    name (pydantic's own words, such as "constrained-str" or "kind circuit")."""
    if body is _MISSING:
        return [str(part) for part in location if _FIELD_PART.match(str(part))]
    if location[-1:] == ["[key]"] and not missing:  # a member's name is wrong: its object
        location = location[:-2]
    path, node = [], body
    for index, part in enumerate(location):
        named = isinstance(part, str) and isinstance(node, dict)
        if named and (part in node or (missing and index == len(location) - 1)):
            path.append(part)
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(str(part))
            node = node[part]
    return path
