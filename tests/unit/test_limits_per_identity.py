"""Per-identity request limits (cms.api.limits) through the functions' HTTP entry point, on
the in-memory services with small limits: the 429 problem and its fields, the fields on
every answer, one bucket per identity and class, every authenticated operation limited, and
the operations, permissions and document that make it so. (Through the local gateway and
DynamoDB: tests/e2e/test_request_limits.py.)"""

from __future__ import annotations

import json
import re
import time
import uuid
from functools import cache
from types import ModuleType
from typing import Any

import pytest

from cms.adapters.memory.sign_in import MemoryRateLimitStore
from cms.bootstrap import MemoryServices
from cms.config import Settings
from cms.domain.errors import DependencyUnavailable
from cms.domain.ratelimit import RequestClass
from functions.permissions import Access
from functions.registry import FUNCTIONS
from local_stack.lambdas import fresh_instance

ORIGIN = "https://app.example"
NOW_S = 1_800_000_000.0
LIMITED = [kind for kind in RequestClass if kind is not RequestClass.PUBLIC]
CLASSES = "|".join(kind.value for kind in LIMITED)
STATE = re.compile(rf'^"({CLASSES})";r=(\d+);t=(\d+)$')
POLICY = re.compile(rf'^"({CLASSES})";q=(\d+);w=60;cms-burst=(\d+)$')


class Context:
    function_name, memory_limit_in_mb, aws_request_id = "test", 256, "req-1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:test"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


def small_limits(burst: int = 2, per_minute: int = 6) -> Settings:
    return Settings(cors_allow_origin=ORIGIN, **{
        f"rate_limit_{kind.value}_{part}": value for kind in LIMITED
        for part, value in (("burst", burst), ("per_minute", per_minute))})


def limited(settings: Settings) -> MemoryServices:
    """The in-memory services with their buckets on a clock that stands still: the fields
    these tests expect (``t``, ``Retry-After``) do not depend on how fast the host runs them
    (a pause of a second between two requests would change them)."""
    services = MemoryServices(settings)
    services.__dict__["rate_limit_store"] = MemoryRateLimitStore(clock=lambda: NOW_S)
    return services


@cache
def handler_module(name: str) -> ModuleType:
    return fresh_instance(f"functions.{name}.app", f"functions.{name}.app__limits")


def serving(name: str, services: MemoryServices) -> ModuleType:
    module = handler_module(name)
    module.runtime.use(services)
    return module


def call(module: ModuleType, method: str, resource: str, *, did: str | None,
         path: str | None = None, body: str | None = None,
         headers: dict[str, str] | None = None,
         token_id: str | None = None) -> tuple[int, dict[str, str], Any]:
    """One request as API Gateway sends it: ``resource`` is the route's template;
    ``token_id`` the jti the authorizer found in the caller's token."""
    headers = {"Origin": ORIGIN, **(headers or {})}
    authorizer = {"did": did, "roles": ""} if did else {}
    if did and token_id:
        authorizer |= {"jti": token_id, "exp": str(int(time.time()) + 900)}
    path = path or resource
    event = {"resource": resource, "path": path, "httpMethod": method, "headers": headers,
             "multiValueHeaders": {name: [value] for name, value in headers.items()},
             "queryStringParameters": None, "multiValueQueryStringParameters": None,
             "pathParameters": None, "stageVariables": None, "isBase64Encoded": False,
             "body": body,
             "requestContext": {"authorizer": authorizer,
                                "httpMethod": method, "path": path, "resourcePath": resource,
                                "stage": "test", "requestId": "req-1",
                                "identity": {"sourceIp": "192.0.2.1"}}}
    result = module.handler(event, Context())
    answer_headers = {name.lower(): values[-1]
                      for name, values in (result.get("multiValueHeaders") or {}).items()}
    text = result.get("body") or ""
    return result["statusCode"], answer_headers, json.loads(text) if text else None


def someone() -> str:
    return f"did:key:z6Mk{uuid.uuid4().hex}"


CONTRACTS = "/api/v1/contracts"


@pytest.fixture
def contracts() -> ModuleType:
    return serving("contracts", limited(small_limits()))


def test_a_request_beyond_the_burst_is_a_429_problem_saying_when_to_retry(contracts):
    caller = someone()
    for _ in range(2):
        assert call(contracts, "GET", CONTRACTS, did=caller)[0] == 200
    status, headers, problem = call(contracts, "GET", CONTRACTS, did=caller)
    assert status == 429
    assert (problem["code"], problem["policy"], problem["status"]) == ("rate_limited", "read", 429)
    assert headers["content-type"] == "application/problem+json"
    assert headers["retry-after"] == "10"  # 6 a minute: the next token in 10 s
    assert headers["ratelimit"] == '"read";r=0;t=10'
    assert headers["ratelimit-policy"] == '"read";q=6;w=60;cms-burst=2'
    exposed = headers["access-control-expose-headers"].lower().split(",")
    assert {"retry-after", "ratelimit", "ratelimit-policy"} <= set(exposed)
    assert headers["access-control-allow-origin"] == ORIGIN


def test_every_answer_of_a_limited_route_says_where_the_caller_stands(contracts):
    caller = someone()
    first = call(contracts, "GET", CONTRACTS, did=caller)[1]
    second = call(contracts, "GET", CONTRACTS, did=caller)[1]
    assert [first["ratelimit"], second["ratelimit"]] == ['"read";r=1;t=10', '"read";r=0;t=10']
    assert POLICY.match(first["ratelimit-policy"])
    missing = call(contracts, "GET", CONTRACTS + "/{contract_id}", did=someone(),
                   path=CONTRACTS + "/0b6f6f0e-1111-4222-8333-944444444444")
    assert missing[0] == 404 and STATE.match(missing[1]["ratelimit"])


def test_each_identity_and_each_class_has_its_own_bucket(contracts):
    caller = someone()
    for _ in range(3):
        call(contracts, "GET", CONTRACTS, did=caller)
    assert call(contracts, "GET", CONTRACTS, did=caller)[0] == 429
    assert call(contracts, "GET", CONTRACTS, did=someone())[0] == 200
    status, headers, _ = call(contracts, "POST", CONTRACTS + "/{contract_id}/submit",
                              path=CONTRACTS + "/0b6f6f0e-1111-4222-8333-944444444444/submit",
                              did=caller, body="{}", headers={"Content-Type": "application/json"})
    assert status == 404 and headers["ratelimit"].startswith('"write";r=1;')


def test_a_request_refused_before_it_is_read_spends_a_token_too(contracts):
    caller, form = someone(), {"Content-Type": "text/plain"}
    refused = [call(contracts, "POST", CONTRACTS, did=caller, body="x", headers=form)
               for _ in range(3)]
    assert [status for status, _, _ in refused] == [415, 415, 429]
    assert refused[0][1]["ratelimit"] == '"render";r=1;t=10'
    assert refused[0][1]["access-control-allow-origin"] == ORIGIN


def test_a_not_modified_answer_keeps_the_fields(contracts):
    caller = someone()
    tag = call(contracts, "GET", CONTRACTS, did=caller)[1]["etag"]
    status, headers, _ = call(contracts, "GET", CONTRACTS, did=caller,
                              headers={"If-None-Match": tag})
    assert status == 304 and headers["ratelimit"] == '"read";r=0;t=10'


def test_public_routes_take_nothing():
    auth = serving("auth", limited(small_limits(burst=1)))
    for _ in range(5):
        status, headers, _ = call(auth, "GET", "/.well-known/jwks.json", did=None)
        assert status == 200 and "ratelimit" not in headers


def test_a_limit_out_of_range_is_a_misconfigured_problem():
    module = serving("contracts", limited(Settings(rate_limit_read_burst=0)))
    status, _, problem = call(module, "GET", CONTRACTS, did=someone())
    assert (status, problem["code"]) == (503, "misconfigured")
    assert "CMS_RATE_LIMIT_READ" in problem["detail"]


class UnreachableBuckets:
    def take(self, bucket_key: str, *, burst: int, per_minute: int) -> Any:
        raise DependencyUnavailable("rate limiter unreachable")


def test_without_its_buckets_the_api_refuses_rather_than_serving_unlimited():
    services = limited(small_limits())
    services.__dict__["rate_limit_store"] = UnreachableBuckets()
    module = serving("contracts", services)
    status, headers, problem = call(module, "GET", CONTRACTS, did=someone())
    assert (status, problem["code"]) == (503, "dependency_unavailable")
    assert "ratelimit" not in headers


# ---------------------------------------------------------------- ending sessions

SESSIONS = "/api/v1/identities/{did}/sessions"


def test_a_stolen_token_cannot_keep_its_owner_from_ending_it():
    """Whoever holds a stolen token shares its identity's buckets: spending them must not
    keep the owner, with another token, from ending every session (that token's too)."""
    from cms_client import Ed25519Signer

    services = limited(small_limits(burst=2, per_minute=1))
    module = serving("identities", services)
    signer = Ed25519Signer()
    owner = signer.did
    services.auth.register(owner, signer.public_key, source_ip="192.0.2.1")
    text = {"Content-Type": "text/plain"}
    for _ in range(3):  # the stolen token: the writes, then the session bucket on a stranger
        call(module, "PATCH", "/api/v1/identities/me", did=owner, body="x", headers=text,
             token_id="stolen")
        call(module, "DELETE", SESSIONS, path=SESSIONS.format(did=someone()), did=owner,
             token_id="stolen")
    assert call(module, "PATCH", "/api/v1/identities/me", did=owner, body="x", headers=text,
                token_id="owners")[0] == 429  # the identity's write bucket: shared
    status, headers, _ = call(module, "DELETE", SESSIONS, path=SESSIONS.format(did=owner),
                              did=owner, token_id="owners")
    assert status == 204, headers
    assert headers["ratelimit"] == '"session";r=1;t=60'
    assert services.identity_store.sessions(owner).generation > 0


def test_a_stolen_token_cannot_keep_its_owner_from_logging_out():
    services = limited(small_limits(burst=1, per_minute=1))
    module = serving("auth", services)
    owner = someone()
    for _ in range(2):
        call(module, "POST", "/api/v1/auth/logout", did=owner, token_id="stolen")
    assert call(module, "POST", "/api/v1/auth/logout", did=owner, token_id="stolen")[0] == 429
    assert call(module, "POST", "/api/v1/auth/logout", did=owner, token_id="owners")[0] == 204
    assert "owners" in services.identity_store.sessions(owner).revoked


# ---------------------------------------------------------------- the class: every operation


def http_functions() -> list[tuple[str, ModuleType]]:
    return [(spec.name, handler_module(spec.name)) for spec in FUNCTIONS if spec.http]


def operations() -> list[Any]:
    return [pytest.param(name, operation, id=operation.operation_id)
            for name, module in http_functions() for operation in module.api.operations]


@pytest.mark.parametrize(("function", "operation"), operations())
def test_every_operation_declares_what_it_costs(function, operation):
    assert operation.limit is not None, (
        f"{operation.operation_id} declares no limit=: say what a request costs")
    if operation.secured:
        assert operation.limit is not RequestClass.PUBLIC, (
            f"{operation.operation_id} is authenticated: its callers need a bucket")
    else:
        assert operation.limit is RequestClass.PUBLIC, (
            f"{operation.operation_id} has no caller to key a bucket on")


@pytest.mark.parametrize(("function", "operation"), [
    case for case in operations() if case.values[1].secured])
def test_every_authenticated_operation_is_limited_per_identity(function, operation):
    module = serving(function, limited(small_limits(burst=1, per_minute=1)))
    caller, path = someone(), re.sub(r"\{[^}]+\}", "x", operation.openapi_path)
    first = call(module, operation.method, operation.openapi_path, path=path, did=caller)
    assert STATE.match(first[1]["ratelimit"]), first
    status, headers, problem = call(module, operation.method, operation.openapi_path,
                                    path=path, did=caller)
    assert (status, problem["code"]) == (429, "rate_limited")
    assert headers["ratelimit"] == f'"{operation.limit.value}";r=0;t=60'
    assert headers["retry-after"] == "60"


@pytest.mark.parametrize(("function", "operation"), [
    case for case in operations() if case.values[1].limit is RequestClass.SESSION])
def test_every_operation_ending_sessions_has_a_bucket_per_token(function, operation):
    module = serving(function, limited(small_limits(burst=1, per_minute=1)))
    caller, path = someone(), re.sub(r"\{[^}]+\}", "x", operation.openapi_path)
    for _ in range(2):
        spent = call(module, operation.method, operation.openapi_path, path=path, did=caller,
                     token_id="spent")
    assert spent[0] == 429
    other = call(module, operation.method, operation.openapi_path, path=path, did=caller,
                 token_id="other")
    assert other[0] != 429 and other[1]["ratelimit"] == '"session";r=0;t=60'


def test_logout_and_ending_sessions_are_the_session_class():
    ending = {operation.operation_id for _, module in http_functions()
              for operation in module.api.operations if operation.limit is RequestClass.SESSION}
    assert ending == {"logout", "revokeSessions"}


def test_every_function_with_limited_operations_may_take_tokens():
    for name, module in http_functions():
        limited = any(op.secured for op in module.api.operations)
        spec = next(spec for spec in FUNCTIONS if spec.name == name)
        may_take = spec.permissions.tables.get("rate_limits") is Access.READ_WRITE
        assert may_take == (limited or name == "auth"), name


def test_the_document_declares_the_fields_on_answers_and_on_429():
    from functions.meta.app import merged_openapi

    document = json.loads(merged_openapi())
    too_many = document["components"]["responses"]["TooManyRequests"]
    assert {"Retry-After", "RateLimit", "RateLimit-Policy"} <= set(too_many["headers"])
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            success = next(answer for status, answer in operation["responses"].items()
                           if status.startswith("2"))
            limited = bool(operation.get("security"))
            assert ("RateLimit" in success.get("headers", {})) == limited, (method, path)
            assert operation["responses"]["429"] is not None


def test_the_client_says_when_to_retry():
    import httpx

    from cms_client import CmsClient
    from cms_client.client import ApiError

    refused = httpx.Response(429, headers={"Retry-After": "7", "RateLimit": '"read";r=0;t=7'},
                             json={"code": "rate_limited", "detail": "slow down"})
    client = CmsClient("https://api.example", token="t", http=httpx.Client(
        transport=httpx.MockTransport(lambda _: refused)), sleep=lambda _: None)
    with pytest.raises(ApiError) as error:
        client.me()
    assert (error.value.status, error.value.code, error.value.retry_after) == (
        429, "rate_limited", 7)
