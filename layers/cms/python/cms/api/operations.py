"""Operations: each route declared once, with everything the OpenAPI document says of it.

A handler module declares its operations on an ``Api`` at import; nothing is configured
then. ``Api.serve(settings)`` registers them on a fresh Powertools resolver for the function's
requests, and ``Api.document()`` on another, never serving one, for the OpenAPI document, so
the two never share request state. Each operation names its stable ``operationId`` (an SDK
method name), its tag, its success status, the domain errors it may answer with, and what it
costs (``limit``: the class of the caller's bucket it takes a token from, ``cms.api.limits``);
the document is finished from those (``cms.api.openapi``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from cms.api.problems import register_problem_handlers
from cms.api.requests import parse_json_body
from cms.config import Settings
from cms.domain.errors import DomainError
from cms.domain.ratelimit import RequestClass

F = TypeVar("F", bound=Callable[..., Any])
BEARER = "bearerAuth"
SECURED: list[dict[str, list[str]]] = [{BEARER: []}]
CORS_ALLOW_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "If-None-Match")
CORS_EXPOSE_HEADERS = ("Location", "Retry-After", "ETag", "RateLimit", "RateLimit-Policy")
CORS_MAX_AGE_S = 600
# What an operation costs, as its handler declares it: ``limit=READ`` (cms.api.limits).
READ, WRITE, RENDER = RequestClass.READ, RequestClass.WRITE, RequestClass.RENDER
COMPUTE, TRAINING, UPLOAD = RequestClass.COMPUTE, RequestClass.TRAINING, RequestClass.UPLOAD
SESSION, PUBLIC = RequestClass.SESSION, RequestClass.PUBLIC
# An error a route may answer with: a domain error class, or (status, code) for one whose
# status or code is set when raised.
ErrorSpec = type[DomainError] | tuple[int, str]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # Powertools form: /api/v1/contracts/<contract_id>
    operation_id: str
    summary: str
    description: str | None
    tag: str
    secured: bool
    status: int
    errors: tuple[ErrorSpec, ...]
    function: Callable[..., Any]
    also: tuple[int, ...] = ()  # other success statuses with the same body (200 for "again")
    # The body's schema when the handler sends prepared bytes (annotated Response[Any]) that
    # must go out as they are, e.g. canonical JSON: documented, never re-serialised.
    response_model: type | None = None
    # What a request costs: which of the caller's buckets it takes a token from (None: not
    # declared, which the tests refuse; served as a read or a write meanwhile).
    limit: RequestClass | None = None
    # Members a status's problem adds to Problem (a pydantic model each), e.g. the checks of
    # a 503 service_degraded: documented as a named schema beside Problem.
    problem_members: tuple[tuple[int, type], ...] = ()

    @property
    def request_class(self) -> RequestClass:
        if self.limit is not None:
            return self.limit
        return RequestClass.READ if self.method == "GET" else RequestClass.WRITE

    @property
    def openapi_path(self) -> str:
        return self.path.replace("<", "{").replace(">", "}")

    @property
    def error_codes(self) -> list[tuple[int, str]]:
        return [spec if isinstance(spec, tuple) else (spec.status, spec.code)
                for spec in self.errors]


def cors_config(settings: Settings) -> CORSConfig:
    # Bearer tokens, no cookies: by default any origin may call the API from a browser; the
    # deployment narrows it (context cors_allow_origin).
    return CORSConfig(allow_origin=settings.cors_allow_origin,
                      allow_headers=list(CORS_ALLOW_HEADERS),
                      expose_headers=list(CORS_EXPOSE_HEADERS), max_age=CORS_MAX_AGE_S)


class Api:
    """The operations of one function, under one tag."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.operations: list[Operation] = []
        self._serving: APIGatewayRestResolver | None = None

    # -- declaring --

    def get(self, path: str, operation_id: str, **options: Any) -> Callable[[F], F]:
        return self._declare("GET", path, operation_id, **options)

    def post(self, path: str, operation_id: str, **options: Any) -> Callable[[F], F]:
        return self._declare("POST", path, operation_id, **options)

    def put(self, path: str, operation_id: str, **options: Any) -> Callable[[F], F]:
        return self._declare("PUT", path, operation_id, **options)

    def patch(self, path: str, operation_id: str, **options: Any) -> Callable[[F], F]:
        return self._declare("PATCH", path, operation_id, **options)

    def delete(self, path: str, operation_id: str, **options: Any) -> Callable[[F], F]:
        return self._declare("DELETE", path, operation_id, **options)

    def _declare(self, method: str, path: str, operation_id: str, *, summary: str,
                 description: str | None = None, status: int = 200, secured: bool = True,
                 errors: tuple[ErrorSpec, ...] = (), also: tuple[int, ...] = (),
                 response_model: type | None = None,
                 limit: RequestClass | None = None,
                 problem_members: tuple[tuple[int, type], ...] = ()) -> Callable[[F], F]:
        def register(function: F) -> F:
            self.operations.append(Operation(method, path, operation_id, summary, description,
                                             self.tag, secured, status, errors, function,
                                             also, response_model, limit, problem_members))
            return function

        return register

    # -- using --

    def serve(self, settings: Settings) -> APIGatewayRestResolver:
        """The resolver that answers this function's requests."""
        self._serving = self._resolver(settings)
        return self._serving

    def document(self) -> dict[str, Any]:
        """This function's part of the OpenAPI document (finished: see cms.api.openapi)."""
        from cms.api.openapi import finish

        resolver = self._resolver(Settings())
        schema = resolver.get_openapi_schema(
            security_schemes={BEARER: HTTPBearer(bearerFormat="JWT")},
        ).model_dump(by_alias=True, exclude_none=True, mode="json")
        return finish(schema, self.operations)

    def operation_at(self, method: str, resource: str) -> Operation | None:
        """The operation API Gateway matched: its method and resource path
        (``/api/v1/contracts/{contract_id}``), as the gateway names them in the event."""
        return next((operation for operation in self.operations
                     if operation.method == method and operation.openapi_path == resource),
                    None)

    @property
    def current_event(self) -> APIGatewayProxyEvent:
        return self._resolver_serving().current_event

    @property
    def lambda_context(self) -> Any:
        return self._resolver_serving().lambda_context

    def _resolver_serving(self) -> APIGatewayRestResolver:
        if self._serving is None:
            raise RuntimeError("the API is not serving: call serve() first")
        return self._serving

    def _resolver(self, settings: Settings) -> APIGatewayRestResolver:
        app = APIGatewayRestResolver(enable_validation=True, cors=cors_config(settings),
                                     json_body_deserializer=parse_json_body)
        register_problem_handlers(app)
        for operation in self.operations:
            success: dict[str, Any] = {"description": operation.summary}
            if operation.response_model is not None:
                success["content"] = {"application/json": {"model": operation.response_model}}
            app.route(operation.path, operation.method, summary=operation.summary,
                      description=operation.description, operation_id=operation.operation_id,
                      tags=[operation.tag], security=SECURED if operation.secured else None,
                      status_code=operation.status, responses={operation.status: success},
                      )(operation.function)
        return app
