"""The entry point every HTTP function shares (cms.api.http): what it answers before a route
runs, with CORS, and when the function's own settings are wrong."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cms.bootstrap import MemoryServices
from cms.config import Settings
from local_stack.lambdas import fresh_instance

ORIGIN = "https://app.example"


class Context:
    function_name, memory_limit_in_mb, aws_request_id = "contracts", 256, "req-1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:contracts"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


def event(method: str, path: str, body: str | None, headers: dict[str, str]) -> dict[str, Any]:
    return {"resource": path, "path": path, "httpMethod": method, "headers": headers,
            "multiValueHeaders": {name: [value] for name, value in headers.items()},
            "queryStringParameters": None, "multiValueQueryStringParameters": None,
            "pathParameters": None, "stageVariables": None, "isBase64Encoded": False,
            "body": body,
            "requestContext": {"authorizer": {"did": "did:key:z6MkCaller", "roles": ""},
                               "httpMethod": method, "path": path, "resourcePath": path,
                               "stage": "test", "requestId": "req-1",
                               "identity": {"sourceIp": "127.0.0.1"}}}


def headers_of(result: dict[str, Any]) -> dict[str, str]:
    return {name.lower(): values[-1]
            for name, values in (result.get("multiValueHeaders") or {}).items()}


@pytest.fixture
def contracts():
    function = fresh_instance("functions.contracts.app")
    function.runtime.use(MemoryServices(Settings(cors_allow_origin=ORIGIN)))
    return function


@pytest.mark.parametrize(("body", "content_type", "status"), [
    ('{"title": "x"}', "text/plain", 415),
    ("x" * (300 * 1024), "application/json", 413),
])
def test_refusals_before_routing_carry_the_deployments_cors(contracts, body, content_type,
                                                            status):
    result = contracts.handler(event("POST", "/api/v1/contracts", body, {
        "Content-Type": content_type, "Origin": ORIGIN}), Context())
    assert result["statusCode"] == status
    assert headers_of(result)["access-control-allow-origin"] == ORIGIN


def test_a_refusal_for_another_origin_names_none(contracts):
    result = contracts.handler(event("POST", "/api/v1/contracts", "{}", {
        "Content-Type": "text/plain", "Origin": "https://elsewhere.example"}), Context())
    assert result["statusCode"] == 415
    assert "access-control-allow-origin" not in headers_of(result)


def test_a_malformed_setting_is_a_misconfigured_problem(monkeypatch):
    monkeypatch.setenv("CMS_MAX_BODY_BYTES", "abc")
    function = fresh_instance("functions.contracts.app")  # reads its environment on first use
    result = function.handler(event("GET", "/api/v1/contracts", None, {}), Context())
    assert result["statusCode"] == 503
    problem = json.loads(result["body"])
    assert problem["code"] == "misconfigured" and "CMS_MAX_BODY_BYTES" in problem["detail"]


@pytest.mark.parametrize("body", ["[1]", "null", "1", '"x"'])
@pytest.mark.parametrize("path", ["/api/v1/contracts/x/activate",
                                  "/api/v1/contracts/0b6f6f0e-1111-4222-8333-944444444444/x"])
def test_a_body_that_is_no_object_on_a_route_that_reads_none_is_a_problem(contracts, path,
                                                                           body):
    result = contracts.handler(event("POST", path, body, {
        "Content-Type": "application/json"}), Context())
    assert 400 <= result["statusCode"] < 500, result
    assert json.loads(result["body"])["code"] in {"validation_error", "not_found"}
