"""API Gateway REQUEST authorizer: a valid EdDSA access token of an active identity, neither
logged out nor revoked (cms.services.sessions).

Returns an IAM policy for the whole API (results are cached per token for the stage's
authorizer TTL, CMS_AUTHORIZER_CACHE_TTL_S), with the caller's DID and roles, and the token's
id and expiry (for logging it out), in the context the handlers read. Any failure is
"Unauthorized" (401).
"""

from __future__ import annotations

from typing import Any, NoReturn

from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerRequestEvent,
    APIGatewayAuthorizerResponse,
)

from cms.api.observability import count, instrumented, logger
from cms.domain.errors import DomainError
from cms.runtime import FunctionRuntime

runtime = FunctionRuntime()

UNAUTHORIZED = "Unauthorized"  # the exact message API Gateway turns into a 401


def _bearer(event: APIGatewayAuthorizerRequestEvent) -> str:
    header = (event.headers or {}).get("Authorization") or event.get_header_value(
        "authorization", default_value="") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise PermissionError("no bearer token")
    return token.strip()


def _denied(error: Exception) -> NoReturn:
    logger.info("denied", extra={"reason": str(getattr(error, "detail", error))})
    count("AuthorizerDenials")
    raise Exception(UNAUTHORIZED) from None


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = APIGatewayAuthorizerRequestEvent(event)
    try:
        principal = runtime.services.sessions.authorize(_bearer(request))
    except DomainError as error:
        if error.status >= 500:
            # Not the caller's fault (an outage, a misconfigured function): let API Gateway
            # answer 5xx rather than make clients throw away valid tokens.
            raise
        _denied(error)
    except PermissionError as error:
        _denied(error)
    arn = request.parsed_arn
    policy = APIGatewayAuthorizerResponse(
        principal_id=principal.did, region=arn.region, aws_account_id=arn.aws_account_id,
        api_id=arn.api_id, stage=arn.stage,
        # Roles come from the live identity, not the token: a change applies within the
        # authorizer's cache TTL instead of at the next sign-in.
        context={"did": principal.did, "roles": ",".join(principal.roles),
                 "jti": principal.token_id, "exp": principal.expires})
    policy.allow_all_routes()
    return policy.asdict()
