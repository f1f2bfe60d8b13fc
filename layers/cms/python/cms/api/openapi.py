"""The OpenAPI document: what Powertools generates from the routes, finished with what only
the operations know, and merged across functions.

Finishing replaces Powertools' generic 422 ``HTTPValidationError`` with what the API really
answers: every status an operation can return, each as ``application/problem+json`` with the
shared ``Problem`` schema and the operation's ``code`` values for that status; GETs declare
their ``ETag`` and ``304``; a 204 has no body. An operation limited per identity declares the
``RateLimit`` fields on its answers, and every 429 may carry them (``cms.api.limits``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from cms.api.caching import IF_NONE_MATCH_MAX
from cms.api.limits import BURST_PARAMETER, RATE_LIMIT, RATE_LIMIT_POLICY, WINDOW_S
from cms.api.operations import Operation
from cms.api.problems import PROBLEM_JSON
from cms.api.schemas.problems import Problem, ProblemItem
from cms.config import Misconfigured
from cms.domain.errors import (
    PayloadTooLarge,
    RateLimited,
    UnsupportedMediaType,
    ValidationFailed,
)
from cms.domain.ratelimit import RequestClass

REF = "#/components/schemas/"
_POWERTOOLS_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")
_BODY_METHODS = {"POST", "PUT", "PATCH"}

# What any operation may answer, whatever it does: the gateway's own (a request it cannot
# parse, throttling, a function that failed or timed out) and the platform's.
_GATEWAY = "gateway_error"
_ANY = [(400, "bad_request"), (429, RateLimited.code), (500, "internal_error"),
        (500, _GATEWAY), (502, _GATEWAY), (503, "dependency_unavailable"),
        (503, Misconfigured.code), (503, _GATEWAY), (504, _GATEWAY)]
_SECURED = [(401, "unauthorized"), (403, "forbidden")]
_WITH_INPUT = [(400, ValidationFailed.code)]
_WITH_BODY = [(413, PayloadTooLarge.code), (415, UnsupportedMediaType.code)]
_TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
           409: "Conflict", 413: "Payload too large", 415: "Unsupported media type",
           422: "Unprocessable content", 429: "Too many requests", 500: "Internal error",
           502: "Bad gateway", 503: "Service unavailable", 504: "Gateway timeout"}
# Answers many operations share, named once in components.responses.
_SHARED: dict[int, tuple[str, list[str]]] = {
    400: ("BadRequest", sorted(["bad_request", ValidationFailed.code])),
    401: ("Unauthorized", ["unauthorized"]),
    403: ("Forbidden", ["forbidden"]),
    413: ("PayloadTooLarge", [PayloadTooLarge.code]),
    415: ("UnsupportedMediaType", [UnsupportedMediaType.code]),
    429: ("TooManyRequests", [RateLimited.code]),
    500: ("InternalError", sorted(["internal_error", _GATEWAY])),
    502: ("BadGateway", [_GATEWAY]),
    503: ("ServiceUnavailable", sorted(["dependency_unavailable", Misconfigured.code,
                                        _GATEWAY])),
    504: ("GatewayTimeout", [_GATEWAY]),
}
_SAME_BODY = {200: "Nothing new: the same body, as it already was"}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again",
                                "schema": {"type": "integer", "minimum": 0}}}
_ANY_CLASS = "|".join(c.value for c in RequestClass if c is not RequestClass.PUBLIC)


def rate_limit_headers(request_class: str = f"(?:{_ANY_CLASS})") -> dict[str, Any]:
    """The fields of draft-ietf-httpapi-ratelimit-headers-11 on an answer of a limited
    operation (``request_class``: its class, or a pattern of any)."""
    return {
        RATE_LIMIT: {"description": (
            "Where the caller stands in this operation's class: r, the requests left now; t, "
            "the seconds within which no more than r can be made (until the next token)"),
            "schema": {"type": "string",
                       "pattern": f'^"{request_class}";r=[0-9]+;t=[0-9]+$'}},
        RATE_LIMIT_POLICY: {"description": (
            f"The class's quota: q requests per w ({WINDOW_S}) seconds, at most "
            f"{BURST_PARAMETER} at once"),
            "schema": {"type": "string", "pattern": (
                f'^"{request_class}";q=[0-9]+;w={WINDOW_S};{BURST_PARAMETER}=[0-9]+$')}},
    }


def finish(document: dict[str, Any], operations: Iterable[Operation]) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for operation in operations:
        path = document["paths"][operation.openapi_path][operation.method.lower()]
        _finish_operation(path, operation)
        _add_problem_members(path, operation, schemas)
    for name in _POWERTOOLS_SCHEMAS:
        schemas.pop(name, None)
    schemas.update(problem_schemas())
    _collapse_modes(document)
    document["components"]["responses"] = {
        name: problem_response(status, codes) for status, (name, codes) in _SHARED.items()}
    return document


def problem_response(status: int, codes: list[str]) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": _TITLES.get(status, "Error"),
        "content": {PROBLEM_JSON: {"schema": {
            "allOf": [{"$ref": REF + "Problem"},
                      {"type": "object",
                       "properties": {"code": {"type": "string", "enum": codes}}}]}}}}
    if status in (429, 503):
        response["headers"] = dict(_RETRY_AFTER)
    if status == 429:  # a refusal of the caller's bucket says where it stands
        response["headers"].update(rate_limit_headers())
    return response


def _collapse_modes(document: dict[str, Any]) -> None:
    """pydantic names a schema ``X-Input`` and ``X-Output`` when it appears in requests and in
    responses; where both are the same schema, one ``X`` is what clients should see."""
    schemas = document["components"]["schemas"]
    variants: dict[str, list[str]] = defaultdict(list)
    for name in schemas:
        base, _, mode = name.rpartition("-")
        if mode in ("Input", "Output"):
            variants[base].append(name)
    renames = {}
    for base, names in variants.items():
        bodies = [_renamed(schemas[name], {n: base for n in names}) for name in names]
        if all(body == bodies[0] for body in bodies) and schemas.get(base, bodies[0]) == bodies[0]:
            renames.update({name: base for name in names})
    if not renames:
        return
    for name, base in renames.items():
        schemas[base] = _renamed(schemas.pop(name), renames)
    document.update(_renamed(dict(document), renames))


def _renamed(value: Any, renames: dict[str, str]) -> Any:
    """``value`` with every $ref to a renamed schema pointing at its new name."""
    if isinstance(value, dict):
        return {key: (REF + renames.get(item.removeprefix(REF), item.removeprefix(REF))
                      if key == "$ref" and isinstance(item, str) and item.startswith(REF)
                      else _renamed(item, renames)) for key, item in value.items()}
    if isinstance(value, list):
        return [_renamed(item, renames) for item in value]
    return value


def problem_schemas() -> dict[str, Any]:
    schemas = {}
    for model in (ProblemItem, Problem):
        schema = model.model_json_schema(ref_template=REF + "{model}")
        schema.pop("$defs", None)
        schemas[model.__name__] = schema
    return schemas


def _finish_operation(path: dict[str, Any], operation: Operation) -> None:
    responses = path["responses"]
    responses.pop(422, None)
    responses.pop("422", None)
    if operation.status == 204:
        responses[str(operation.status)] = {"description": operation.summary}
    success = responses.get(str(operation.status)) or responses.get(operation.status)
    for status in operation.also:
        responses[str(status)] = {**success, "description": _SAME_BODY.get(status, "Success")}
    if operation.method == "GET":
        _declare_etag(path, responses, operation)
    if operation.secured and operation.request_class is not RequestClass.PUBLIC:
        _declare_rate_limit(responses, operation)
    for status, codes in sorted(_error_codes(operation, path).items()):
        shared = _SHARED.get(status)
        if shared is not None and shared[1] == codes:
            responses[str(status)] = {"$ref": "#/components/responses/" + shared[0]}
        else:
            responses[str(status)] = problem_response(status, codes)
    path["responses"] = {str(key): value for key, value in sorted(
        responses.items(), key=lambda item: str(item[0]))}


def _add_problem_members(path: dict[str, Any], operation: Operation,
                         schemas: dict[str, Any]) -> None:
    """A status whose problem carries more members: Problem and the members' named schema."""
    for status, model in operation.problem_members:
        schema = model.model_json_schema(ref_template=REF + "{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
        response = path["responses"][str(status)]
        if "$ref" in response:  # a shared response: this operation's own copy instead
            response = path["responses"][str(status)] = problem_response(status,
                                                                         _SHARED[status][1])
        response["content"][PROBLEM_JSON]["schema"]["allOf"].append(
            {"$ref": REF + model.__name__})


def _error_codes(operation: Operation, path: dict[str, Any]) -> dict[int, list[str]]:
    declared = list(_ANY) + list(operation.error_codes)
    if operation.secured:
        declared += _SECURED
    if path.get("parameters") or operation.method in _BODY_METHODS:
        declared += _WITH_INPUT
    if "{" in operation.openapi_path:  # a value the route cannot match is no route at all
        declared.append((404, "not_found"))
    if operation.method in _BODY_METHODS:
        declared += _WITH_BODY
    codes: dict[int, list[str]] = defaultdict(list)
    for status, code in declared:
        if code not in codes[status]:
            codes[status].append(code)
    return {status: sorted(found) for status, found in codes.items()}


def _declare_etag(path: dict[str, Any], responses: dict[Any, Any],
                  operation: Operation) -> None:
    success = responses.get(str(operation.status)) or responses.get(operation.status)
    if success is not None:
        success.setdefault("headers", {})["ETag"] = {
            "description": "The representation's entity tag; send it back in If-None-Match",
            "schema": {"type": "string"}}
    responses["304"] = {"description": "Not modified: the If-None-Match tag is current",
                        "headers": {"ETag": {"schema": {"type": "string"}}}}
    parameters = path.setdefault("parameters", [])
    if not any(p.get("name", "").lower() == "if-none-match" for p in parameters):
        parameters.append({
            "name": "If-None-Match", "in": "header", "required": False,
            "description": "ETags from earlier answers (or *): 304 if one is still current",
            "schema": {"type": "string", "maxLength": IF_NONE_MATCH_MAX}})


def _declare_rate_limit(responses: dict[Any, Any], operation: Operation) -> None:
    headers = rate_limit_headers(operation.request_class.value)
    for status in (operation.status, *operation.also, 304):
        answer = responses.get(str(status)) or responses.get(status)
        if answer is not None:
            answer.setdefault("headers", {}).update(headers)


def merge(parts: Iterable[dict[str, Any]], *, title: str, version: str,
          description: str) -> dict[str, Any]:
    """One document from every function's part; a path or schema defined twice differently
    is an error (two functions would disagree about the API)."""
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
        "tags": [],
    }
    tags: set[str] = set()
    for part in parts:
        for path, methods in part.get("paths", {}).items():
            target = document["paths"].setdefault(path, {})
            for method, operation in methods.items():
                if method in target:
                    raise ValueError(f"{method.upper()} {path} is declared twice")
                target[method] = operation
                tags.update(operation.get("tags", []))
        for kind in ("schemas", "responses"):
            target = document["components"].setdefault(kind, {})
            for name, schema in part.get("components", {}).get(kind, {}).items():
                if target.setdefault(name, schema) != schema:
                    raise ValueError(f"{kind} {name} differs between functions")
    document["tags"] = [{"name": tag} for tag in sorted(tags)]
    document["paths"] = dict(sorted(document["paths"].items()))
    document["components"]["schemas"] = dict(sorted(document["components"]["schemas"].items()))
    return document
