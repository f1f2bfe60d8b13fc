"""What every HTTP handler shares: the Lambda entry point, the caller, JSON responses.

The entry point takes a token from the caller's bucket for the operation's class first
(``cms.api.limits``), checks the request before any route sees it (``cms.api.requests``),
lets the function's resolver answer, and tags GET answers for conditional requests
(``cms.api.caching``). Errors are RFC 9457 problem details (``cms.api.problems``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder
from aws_lambda_powertools.event_handler.util import extract_origin_header
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from cms.api.caching import check_conditions, tag_response
from cms.api.limits import Admission, admit, with_headers
from cms.api.observability import count, instrumented, logger
from cms.api.operations import Api, cors_config
from cms.api.problems import domain_problem
from cms.api.requests import normalise_request
from cms.config import Settings
from cms.domain.errors import DomainError, Unauthorized
from cms.domain.identity import Caller
from cms.runtime import FunctionRuntime

API_TITLE = "Contract Management System API"
API_VERSION = "1.0.0"


def json_response(body: Any, status: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    """A JSON response; Powertools serialises the body (and checks it against the route)."""
    return Response(status_code=status, content_type="application/json", body=body,
                    headers=headers or {})


def caller_of(api: Api) -> Caller:
    """The principal the authorizer established; never trust a request without one."""
    context = api.current_event.request_context.authorizer.get_context() or {}
    did = context.get("did")
    if not did:
        raise Unauthorized("this route requires a bearer token")
    roles = frozenset(role for role in str(context.get("roles", "")).split(",") if role)
    expires = str(context.get("exp", ""))
    return Caller(did, roles, token_id=context.get("jti") or None,
                  token_expires=int(expires) if expires.isdigit() else None)


def source_ip_of(api: Api) -> str:
    return api.current_event.request_context.identity.source_ip or "unknown"


def header_of(api: Api, name: str) -> str | None:
    return api.current_event.headers.get(name.lower())


def http_entry(api: Api, runtime: FunctionRuntime) -> Callable[[dict, Any], dict]:
    """The Lambda handler serving ``api`` with Powertools logging, tracing and metrics."""
    serving: list[APIGatewayRestResolver] = []

    @instrumented(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    def handler(event: dict, context: Any) -> dict:
        settings, admission = None, None
        try:
            settings = runtime.settings  # a malformed variable is Misconfigured, a problem
            if not serving:
                serving.append(api.serve(settings))
            admission = _admit(api, runtime, event)
            if admission is not None and not admission.outcome.allowed:
                count("RequestsLimited")  # an identity past its class's rate
                raise admission.refusal()
            normalise_request(event, settings.max_body_bytes)
            check_conditions(event)
        except DomainError as error:  # refused before any parsing or validation
            return _limited(_refusal(error, event, settings), admission)
        return _limited(tag_response(event, serving[0].resolve(event, context)), admission)

    return handler


def _admit(api: Api, runtime: FunctionRuntime, event: dict[str, Any]) -> Admission | None:
    """A token from the caller's bucket for this operation's class, or None: a route that
    is no operation here (the resolver answers 404) or has no caller to limit."""
    operation = api.operation_at(str(event.get("httpMethod", "")), str(event.get("resource")))
    if operation is None:
        return None
    return admit(operation.request_class, event, runtime.services)


def _limited(result: dict[str, Any], admission: Admission | None) -> dict[str, Any]:
    return result if admission is None else with_headers(result, admission.headers())


def _refusal(error: DomainError, event: dict[str, Any], settings: Settings | None) -> dict:
    if error.status >= 500:
        logger.warning("refused before routing", extra={"code": error.code,
                                                        "detail": error.detail})
    proxy_event = APIGatewayProxyEvent(event)
    result = ResponseBuilder(domain_problem(error)).build(proxy_event)
    if settings is None:  # unreadable settings name no allowed origin: default to none
        return result
    cors = cors_config(settings)
    origin = cors.allowed_origin(extract_origin_header(proxy_event.resolved_headers_field))
    if origin is not None:  # so that a browser shows the caller why
        for name, value in cors.to_dict(origin).items():
            result.setdefault("multiValueHeaders", {})[name] = [value]
    return result
