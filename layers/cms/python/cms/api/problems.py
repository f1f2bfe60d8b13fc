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
        errors = list({e["pointer"]: e for e in map(_validation_item, error.errors())}.values())
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
# those are not part of the client's document, so they are left out of the pointer.
_FIELD_PART = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*|\d+)$")


def _validation_item(item: dict[str, Any]) -> dict[str, str]:
    if item.get("type") == "json_invalid":  # the whole body ("" points at the document)
        reason = item.get("ctx", {}).get("error")
        return {"pointer": "", "message": "the body is not valid JSON"
                + (f": {reason}" if reason else "")}
    location = [str(part) for part in item.get("loc", ()) if _FIELD_PART.match(str(part))]
    where, path = (location[0], location[1:]) if location else ("body", [])
    if where == "body":  # RFC 6901: "" is the whole body, "/name" a member
        pointer = "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in path)
    else:
        pointer = f"{where}:{'.'.join(path)}"
    message = item.get("msg", "invalid")
    if item.get("type") == "extra_forbidden":
        message = "unknown field"
    return {"pointer": pointer, "message": message}
