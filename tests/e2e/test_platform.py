"""Health, OpenAPI, JWKS, routing errors and CORS at the gateway."""

from __future__ import annotations

import httpx
import pytest

from functions.registry import FUNCTIONS, http_routes

pytestmark = pytest.mark.e2e


def test_health_reports_each_dependency(stack):
    response = httpx.get(stack.url + "/health")
    assert response.status_code == 200
    report = response.json()
    # Background work (the chain, anchoring, the enclave parent) may still be starting:
    # tests/e2e/test_health_api.py waits for it.
    assert report["status"] in ("ok", "degraded")
    assert {"dynamodb:contracts", "dynamodb:audit", "dynamodb:identities",
            "secretsmanager:jwt-signing-key"} <= set(report["checks"])
    assert all(check["status"] == "ok" for name, check in report["checks"].items()
               if not name.startswith(("ledger:", "enclave:")))


def test_openapi_lists_every_route_with_its_security(stack):
    document = httpx.get(stack.url + "/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.") and "bearerAuth" in str(document["components"])
    for spec in FUNCTIONS:
        if not spec.http:
            continue
        for route in http_routes(spec):
            operation = document["paths"][route.path][route.method.lower()]
            assert bool(operation.get("security")) == route.authorized, route


def test_unknown_routes_and_methods_are_problems(stack):
    response = httpx.get(stack.url + "/api/v1/nothing-here")
    # API Gateway answers 403 "Missing Authentication Token" for undefined resources; the
    # API stack's gateway response turns that into a 404 problem.
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("method", ["DELETE", "PUT", "TRACE", "HEAD", "FROB"])
def test_a_method_a_path_does_not_have_is_405_with_allow(stack, method):
    response = httpx.request(method, stack.url + "/api/v1/contracts")
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "POST", "OPTIONS"}
    if method != "HEAD":  # no body, by definition
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["code"] == "method_not_allowed" and method in problem["detail"]


def test_cors_preflight(stack):
    response = httpx.options(stack.url + "/api/v1/contracts", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "POST"})
    assert response.status_code == 204
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "idempotency-key" in allowed


def test_jwks_publishes_the_signing_key(stack):
    keys = httpx.get(stack.url + "/.well-known/jwks.json").json()["keys"]
    assert keys and all(k["kty"] == "OKP" and k["crv"] == "Ed25519" and k["alg"] == "EdDSA"
                        for k in keys)


def test_handler_responses_carry_cors_headers(stack, new_party):
    party = new_party("ed25519")
    response = httpx.get(stack.url + "/api/v1/identities/me", headers={
        "Origin": "https://app.example", "Authorization": f"Bearer {party.client.token}"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
