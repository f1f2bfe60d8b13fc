"""Problems become exceptions by code, under their HTTP status class."""

from __future__ import annotations

import httpx
import pytest

from cms_client import client as client_module
from cms_client.errors import (
    ApiError,
    AuthenticationFailed,
    Conflict,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServiceUnavailable,
)
from cms_client.generated import problems
from tests.unit.sdk.server import ScriptedApi, problem


@pytest.mark.parametrize(("status", "code", "cls", "status_class"), [
    (409, "illegal_transition", problems.IllegalTransition, Conflict),
    (404, "contract_not_found", problems.ContractNotFound, NotFound),
    (404, "not_found", NotFound, NotFound),
    (401, "challenge_expired", problems.ChallengeExpired, AuthenticationFailed),
    (403, "identity_suspended", problems.IdentitySuspended, PermissionDenied),
    (422, "idempotency_key_reused", problems.IdempotencyKeyReused, InvalidRequest),
    (400, "validation_error", problems.ValidationError, InvalidRequest),
    (413, "payload_too_large", problems.PayloadTooLarge, InvalidRequest),
    (429, "rate_limited", RateLimited, RateLimited),
    (502, "gateway_error", problems.GatewayError, ServiceUnavailable),
    (503, "service_degraded", problems.ServiceDegraded, ServiceUnavailable),
])
def test_a_problem_is_raised_as_its_codes_class_under_its_status_class(status, code, cls,
                                                                        status_class):
    api = ScriptedApi()
    api.answer("/api/v1/identities/me", problem(status, code))
    with pytest.raises(cls) as error:
        api.client(token="t").me()
    assert isinstance(error.value, status_class) and isinstance(error.value, ApiError)
    assert (error.value.status, error.value.code) == (status, code)
    assert error.value.problem["detail"] == code


def test_an_unknown_code_or_a_code_under_another_status_falls_back_to_the_status_class():
    unknown = ApiError.from_response(409, {"code": "something_new"})
    assert type(unknown) is Conflict and unknown.code == "something_new"
    # invalid_signature is a 400 in the domain; as a 401 it must still be caught as one.
    moved = ApiError.from_response(401, {"code": "invalid_signature"})
    assert type(moved) is AuthenticationFailed
    assert type(ApiError.from_response(418, {})) is ApiError


def test_an_answer_that_is_not_a_problem_still_raises_with_its_status():
    error = ApiError.from_http(httpx.Response(502, text="<html>Bad gateway</html>"))
    assert isinstance(error, ServiceUnavailable) and error.code == "unknown"
    assert "Bad gateway" in error.problem["detail"]


def test_api_error_keeps_its_constructor_and_stays_importable_from_the_client_module():
    error = client_module.ApiError(409, {"code": "conflict", "detail": "no"}, 3)
    assert (error.status, error.code, error.retry_after) == (409, "conflict", 3)
    assert str(error) == "409 conflict: no"


def test_every_generated_class_names_its_code():
    for code, cls in problems.PROBLEMS.items():
        assert cls.problem_code in (code, None)
        assert issubclass(cls, ApiError)
