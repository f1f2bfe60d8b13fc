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
        body = _body_of(app)
        errors = list({e["pointer"]: e for e in
                       (_validation_item(item, body) for item in error.errors())}.values())
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
    try:
        return app.current_event.json_body
    except ValueError:
        return _MISSING


def _validation_item(item: dict[str, Any], body: Any = _MISSING) -> dict[str, str]:
    if item.get("type") == "json_invalid":  # the whole body ("" points at the document)
        reason = item.get("ctx", {}).get("error")
        return {"pointer": "", "message": "the body is not valid JSON"
                + (f": {reason}" if reason else "")}
    location = list(item.get("loc", ()))
    where = str(location[0]) if location else "body"
    if where == "body":  # RFC 6901: "" is the whole body, "/name" a member
        pointer = "".join("/" + p.replace("~", "~0").replace("/", "~1")
                          for p in _in_body(location[1:], body))
    else:
        parts = [str(part) for part in location[1:] if _FIELD_PART.match(str(part))]
        pointer = f"{where}:{'.'.join(parts)}"
    message = item.get("msg", "invalid")
    if item.get("type") == "extra_forbidden":
        message = "unknown field"
    return {"pointer": pointer, "message": message}


def _in_body(location: list[Any], body: Any) -> list[str]:
    """The part of pydantic's location that is a path in the body as sent: members and
    indexes that are there (a missing member is named too), never a union member's name."""
    if body is _MISSING:
        return [str(part) for part in location if _FIELD_PART.match(str(part))]
    if "[key]" in location:  # a member's name is wrong: point at the object holding it
        location = location[:max(location.index("[key]") - 1, 0)]
    path, node = [], body
    for index, part in enumerate(location):
        last = index == len(location) - 1
        if isinstance(node, dict) and isinstance(part, str) and (part in node or last):
            path.append(part)  # a member sent, or (last) a required member that is missing
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(str(part))
            node = node[part]
        # anything else is pydantic's own words (a union member's tag): not the client's
    return path
