"""Meta function: health of every dependency and the merged OpenAPI document. Public routes."""

from __future__ import annotations

import importlib
from functools import cache

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from cms.api.http import API_TITLE, API_VERSION, create_resolver, json_response, lambda_entry
from cms.services.health import dependency_health
from functions.registry import FUNCTIONS

app = create_resolver()


@app.get("/health", summary="State of each dependency (200 when all are up, else 503)")
def health() -> Response[dict]:
    report = dependency_health()
    return json_response(report, 200 if report["status"] == "ok" else 503,
                         {"Cache-Control": "no-store"})


@app.get("/api/v1/openapi.json", summary="This API's OpenAPI 3.1 document")
def openapi() -> Response[str]:
    return Response(status_code=200, content_type="application/json", body=merged_openapi(),
                    headers={"Cache-Control": "max-age=300"})


@cache
def merged_openapi() -> str:
    """One document from every HTTP function's own resolver (the handlers are the source)."""
    merge = OpenAPIMerge(title=API_TITLE, version=API_VERSION, on_conflict="error",
                         security_schemes={"bearerAuth": HTTPBearer(bearerFormat="JWT")})
    for spec in FUNCTIONS:
        if spec.http:
            resolver = app if spec.name == "meta" else importlib.import_module(spec.module).app
            merge.add_schema(resolver.get_openapi_schema())
    return merge.get_openapi_json_schema()


handler = lambda_entry(app)
