"""Meta function: health of every dependency and the merged OpenAPI document. Public routes."""

from __future__ import annotations

import importlib
import json
from functools import cache

from aws_lambda_powertools.event_handler import Response

from cms.api.http import API_TITLE, API_VERSION, http_entry, json_response
from cms.api.openapi import merge
from cms.api.operations import PUBLIC, Api
from cms.api.schemas.meta import Health, OpenApiDocument
from cms.runtime import FunctionRuntime
from cms.services.health import ServiceDegraded
from functions.registry import FUNCTIONS

api = Api("meta")
runtime = FunctionRuntime()
API_DESCRIPTION = (
    "Contracts between data providers and data consumers, signed with the parties' own DID "
    "keys, with a hash-chained audit trail anchored on an Ethereum ledger, privacy-budgeted "
    "training in an attested enclave, and a contract engine. Errors are RFC 9457 problem "
    "details (application/problem+json) with a stable `code`; every GET answers with an "
    "ETag and honours If-None-Match.")
HEALTH = "/health"


@api.get(HEALTH, "getHealth", limit=PUBLIC, secured=False,
         summary="State of each dependency: 200 when all are up, else a 503 problem whose "
                 "checks member says which is down", errors=(ServiceDegraded,))
def health() -> Response[Health]:
    report = runtime.services.health.check().require_healthy()
    return json_response(Health.model_validate(report, from_attributes=True),
                         headers={"Cache-Control": "no-store"})


@api.get("/api/v1/openapi.json", "getOpenApi", limit=PUBLIC, secured=False,
         summary="This API's OpenAPI 3.1 document")
def openapi() -> Response[OpenApiDocument]:
    return json_response(_document_model(), headers={"Cache-Control": "max-age=300"})


@cache
def _document_model() -> OpenApiDocument:
    return OpenApiDocument.model_validate_json(merged_openapi())


@cache
def merged_openapi() -> str:
    """One document from every HTTP function's operations (the handlers are the source)."""
    parts = [api.document() if spec.name == "meta"
             else importlib.import_module(spec.module).api.document()
             for spec in FUNCTIONS if spec.http]
    return json.dumps(merge(parts, title=API_TITLE, version=API_VERSION,
                            description=API_DESCRIPTION), separators=(",", ":"))


handler = http_entry(api, runtime)
