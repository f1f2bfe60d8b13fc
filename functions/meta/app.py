"""Meta function: health of every dependency and the merged OpenAPI document. Public routes."""

from __future__ import annotations

import importlib
import json
from functools import cache

from aws_lambda_powertools.event_handler import Response

from cms.api.http import API_TITLE, API_VERSION, caller_of, http_entry, json_response
from cms.api.openapi import merge
from cms.api.operations import PUBLIC, READ, Api
from cms.api.schemas.meta import (
    AnchoringHealth,
    ChainHealth,
    DependencyDetail,
    DependencyStatus,
    EnclaveParent,
    Health,
    HealthDetails,
    HealthProblem,
    LedgerHealth,
    OpenApiDocument,
)
from cms.domain.errors import Forbidden
from cms.runtime import FunctionRuntime
from cms.services.health import ANCHORING, LEDGER, HealthReport, ServiceDegraded
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
NO_STORE = {"Cache-Control": "no-store"}


@api.get(HEALTH, "getHealth", limit=PUBLIC, secured=False,
         summary="Each dependency's state: 200 while requests can be served (degraded when "
                 "one is impaired or background work waits), else a 503 problem whose checks "
                 "member says which is down. States only: no names, errors or figures",
         errors=(ServiceDegraded,), problem_members=((503, HealthProblem),))
def health() -> Response[Health]:
    report = runtime.services.health.check().require_serving()
    body = Health(status=report.status.value, checks={
        name: DependencyStatus(status=check.status.value)
        for name, check in report.checks.items()})
    return json_response(body, headers=NO_STORE)


@api.get(HEALTH + "/details", "getHealthDetails", limit=READ,
         summary="Each dependency's state, why, and what was probed: the resources, the "
                 "chain and its signer's balance, anchoring, the enclave parents (admins; "
                 "200 whatever the state)",
         errors=(Forbidden,))
def health_details() -> Response[HealthDetails]:
    if not caller_of(api).is_admin:
        raise Forbidden("the dependencies' details are for admins")
    return json_response(details(runtime.services.health.check()), headers=NO_STORE)


@api.get(HEALTH + "/chain", "getChainHealth", limit=PUBLIC, secured=False,
         summary="The chain this deployment anchors on: its id, the latest block seen, how "
                 "long audit events wait for their anchor and whether anchoring is healthy")
def chain_health() -> Response[ChainHealth]:
    chain = runtime.services.health.check().chain()
    return json_response(ChainHealth.model_validate(chain, from_attributes=True),
                         headers=NO_STORE)


def details(report: HealthReport) -> HealthDetails:
    ledger, anchoring = report.facts(LEDGER), report.facts(ANCHORING)
    return HealthDetails(
        status=report.status.value, checked_at=report.checked_at,
        checks={name: DependencyDetail(status=check.status.value, critical=check.critical,
                                       reason=check.finding.reason,
                                       latency_ms=check.latency_ms,
                                       resource=check.finding.resource)
                for name, check in report.checks.items()},
        ledger=LedgerHealth.model_validate(ledger, from_attributes=True) if ledger else None,
        anchoring=(AnchoringHealth.model_validate(anchoring, from_attributes=True)
                   if anchoring else None),
        enclave_parents=[EnclaveParent.model_validate(parent, from_attributes=True)
                         for parent in report.parents()])


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
