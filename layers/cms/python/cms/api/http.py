"""What every HTTP handler shares: the resolver, problem details, the caller, the entry point.

Errors are RFC 7807 ``application/problem+json`` documents with a stable ``code``; anything
unexpected becomes a 500 problem without internals (the stack trace goes to the log only).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from cms.api.observability import count, instrumented, logger
from cms.config import settings
from cms.domain import strict_json
from cms.domain.errors import (
    DomainError,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
)
from cms.domain.identity import Caller

PROBLEM_TYPE_BASE = "https://cms.dev/problems/"
PROBLEM_JSON = "application/problem+json"
SECURED: list[dict[str, list[str]]] = [{"bearerAuth": []}]
API_TITLE = "Contract Management System API"
API_VERSION = "1.0.0"
MAX_BODY_DEPTH = 32  # of nested arrays/objects in a request body



def problem(status: int, code: str, title: str, detail: str,
            headers: dict[str, str] | None = None, **extra: Any) -> Response:
    body = {"type": PROBLEM_TYPE_BASE + code, "title": title, "status": status, "code": code,
            "detail": detail, **extra}
    return Response(status_code=status, content_type=PROBLEM_JSON, body=json.dumps(body),
                    headers=headers or {})


def json_response(body: dict[str, Any], status: int = 200,
                  headers: dict[str, str] | None = None) -> Response[dict]:
    """A JSON response; Powertools serialises the body (and checks it against the route)."""
    return Response(status_code=status, content_type="application/json", body=body,
                    headers=headers or {})


def create_resolver() -> APIGatewayRestResolver:
    # Bearer tokens, no cookies: by default any origin may call the API from a browser; the
    # CDK passes the deployment's origin (context cors_allow_origin) to narrow it.
    cors = CORSConfig(allow_origin=settings().cors_allow_origin,
                      allow_headers=["Authorization", "Content-Type",
                                                       "Idempotency-Key"],
                      expose_headers=["Location", "Retry-After"], max_age=600)
    app = APIGatewayRestResolver(enable_validation=True, cors=cors)
    app.configure_openapi(
        title=API_TITLE, version=API_VERSION,
        security_schemes={"bearerAuth": HTTPBearer(bearerFormat="JWT")})
    _register_problem_handlers(app)
    return app


def caller_of(app: APIGatewayRestResolver) -> Caller:
    """The principal the authorizer established; never trust a request without one."""
    context = app.current_event.request_context.authorizer.get_context() or {}
    did = context.get("did")
    if not did:
        raise Unauthorized("this route requires a bearer token")
    roles = frozenset(role for role in str(context.get("roles", "")).split(",") if role)
    return Caller(did, roles)


def source_ip_of(app: APIGatewayRestResolver) -> str:
    return app.current_event.request_context.identity.source_ip or "unknown"


def lambda_entry(app: APIGatewayRestResolver) -> Callable[[dict, Any], dict]:
    """The Lambda handler for ``app`` with Powertools logging, tracing and metrics."""

    @instrumented(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    def handler(event: dict, context: Any) -> dict:
        try:
            _check_body(event)
        except DomainError as error:  # refused before any parsing or validation
            refusal = problem(error.status, error.code, error.title, error.detail)
            return ResponseBuilder(refusal).build(APIGatewayProxyEvent(event))
        return app.resolve(event, context)

    return handler


def _check_body(event: dict[str, Any]) -> None:
    """Refuse oversized and non-JSON bodies before anything reads them."""
    body = event.get("body") or ""
    limit = settings().max_body_bytes
    if len(body) > limit or len(body.encode()) > limit:
        raise PayloadTooLarge(f"the body exceeds {limit} bytes")
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    content_type = (headers.get("content-type") or "").split(";")[0].strip().lower()
    if body and content_type and not (content_type == "application/json"
                                      or content_type.endswith("+json")):
        raise UnsupportedMediaType(f"expected application/json, got {content_type}")
    if strict_json.nesting_depth(body) > MAX_BODY_DEPTH:
        # Checked before any parser sees it: see cms.domain.strict_json on why this matters.
        raise ValidationFailed(f"the body nests deeper than {MAX_BODY_DEPTH} levels")


def _register_problem_handlers(app: APIGatewayRestResolver) -> None:
    @app.exception_handler(DomainError)
    def domain_error(error: DomainError) -> Response:
        headers = {}
        if "retry_after" in error.extra:
            headers["Retry-After"] = str(error.extra["retry_after"])
        extra = {k: v for k, v in error.extra.items() if k != "retry_after"}
        if error.status >= 500:
            logger.warning("dependency failure", extra={"code": error.code}, exc_info=True)
        return problem(error.status, error.code, error.title, error.detail, headers, **extra)

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
    location = [str(part) for part in item.get("loc", ()) if _FIELD_PART.match(str(part))]
    where, path = (location[0], location[1:]) if location else ("body", [])
    if where == "body":
        pointer = "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in path)
    else:
        pointer = f"{where}:{'.'.join(path)}"
    message = item.get("msg", "invalid")
    if item.get("type") == "json_invalid":
        message = "the body is not valid JSON"
    elif item.get("type") == "extra_forbidden":
        message = "unknown field"
    return {"pointer": pointer, "message": message}
