"""The API Gateway responses: errors raised before a handler runs, as RFC 7807 problems.

This table is the only place these bodies are written. The API stack turns each entry into an
``AWS::ApiGateway::GatewayResponse`` whose template is rendered by API Gateway (VTL); the local
gateway renders the same template from the synthesized CloudFormation, substituting
``$context.error.messageString`` (the error message as a quoted JSON string). Codes follow
``cms.domain.errors`` where the meaning is the same, so a client sees one vocabulary whether a
request failed at the gateway or in a handler.

This module deliberately imports nothing from aws_cdk, so it is cheap to import elsewhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://cms.dev/problems/"
# API Gateway's message for the failure, already a quoted and escaped JSON string.
GATEWAY_MESSAGE = "$context.error.messageString"


@dataclass(frozen=True)
class ProblemResponse:
    response_type: str  # an API Gateway ResponseType
    status: int | None  # None keeps the status API Gateway chose (the DEFAULT_* families)
    code: str  # stable machine-readable code, part of the public API
    title: str
    detail: str = GATEWAY_MESSAGE  # a VTL expression that renders to a JSON string
    headers: tuple[tuple[str, str], ...] = ()  # extra static response headers (name, value)

    @property
    def problem_type(self) -> str:
        return PROBLEM_TYPE_BASE + self.code

    def template(self) -> str:
        """The response body template (JSON once API Gateway has rendered it)."""
        members: dict[str, str | int] = {"type": self.problem_type, "title": self.title}
        if self.status is not None:
            members["status"] = self.status
        members["code"] = self.code
        static = json.dumps(members, separators=(",", ":"))
        # ``detail`` is spliced in raw: GATEWAY_MESSAGE renders with its own quotes.
        return f'{static[:-1]},"detail":{self.detail}}}'


def _literal(text: str) -> str:
    return json.dumps(text)


GATEWAY_RESPONSES: tuple[ProblemResponse, ...] = (
    # The authorizer rejected the token, or the Authorization header is missing.
    ProblemResponse("UNAUTHORIZED", 401, "unauthorized", "Authentication required"),
    # The authorizer returned a Deny policy for this method.
    ProblemResponse("ACCESS_DENIED", 403, "forbidden", "Not allowed"),
    # REST APIs answer an unknown path with 403 "Missing Authentication Token"; that misleads
    # clients, so it becomes the 404 a client expects for a route that does not exist.
    ProblemResponse(
        "MISSING_AUTHENTICATION_TOKEN",
        404,
        "not_found",
        "Not found",
        _literal("No route matches this method and path"),
    ),
    # Stage throttling refills every second; Retry-After tells clients when to try again.
    ProblemResponse(
        "THROTTLED", 429, "rate_limited", "Too many requests", headers=(("Retry-After", "1"),)
    ),
    ProblemResponse("REQUEST_TOO_LARGE", 413, "payload_too_large", "The request body is too large"),
    ProblemResponse("DEFAULT_4XX", None, "bad_request", "The request was rejected"),
    ProblemResponse(
        "DEFAULT_5XX", None, "gateway_error", "The gateway could not complete the request"
    ),
)


def method_not_allowed_template() -> str:
    """The body of the 405 a path answers for a method it does not have (a MOCK integration;
    ``$context.httpMethod`` is rendered by API Gateway, and by the local gateway)."""
    members = {"type": PROBLEM_TYPE_BASE + METHOD_NOT_ALLOWED, "title": "Method not allowed",
               "status": 405, "code": METHOD_NOT_ALLOWED}
    static = json.dumps(members, separators=(",", ":"))
    return (f'{static[:-1]},"detail":"$context.httpMethod is not a method of this path: '
            f'see Allow"}}')


METHOD_NOT_ALLOWED = "method_not_allowed"
