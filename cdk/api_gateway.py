"""CmsApi's REST API: stage, access logs, the JWT REQUEST authorizer, one Lambda proxy method
per route (read from the handlers), CORS preflights, 405 for every other method of a path, and
the gateway's own answers as problem details."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw

from cdk.data_stack import pascal
from cdk.gateway_responses import (
    GATEWAY_RESPONSES,
    PROBLEM_CONTENT_TYPE,
    method_not_allowed_template,
)
from cdk.nag import acknowledge
from cms.config import ENVIRONMENT_VARIABLES
from functions.registry import Route

STAGE_NAME = "prod"  # route paths already carry the version (/api/v1/...)
REST_API_NAME = "cms-api"
AUTHORIZER_FUNCTION = "authorizer"
# The authorizer's answers are cached per token this long: the bound within which a logout, a
# revocation or a suspension reaches every route. The authorizer is given the same value (it
# allows only tokens that stay valid that long), so the two cannot disagree.
AUTHORIZER_CACHE_TTL = Duration.seconds(int(ENVIRONMENT_VARIABLES["CMS_AUTHORIZER_CACHE_TTL_S"]))
CORS_ALLOW_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "If-None-Match")
CORS_MAX_AGE = Duration.hours(1)

# Access log line: one JSON object per request. ``$context.error.messageString`` is already a
# quoted JSON string, so it is the only value not wrapped in quotes. Free-text values API
# Gateway does not escape (the user agent) are left out so a client cannot break the JSON.
_ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "path": "$context.path",
    "protocol": "$context.protocol",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationStatus": "$context.integrationStatus",
    "principalId": "$context.authorizer.principalId",
    "authorizerError": "$context.authorizer.error",
    "errorType": "$context.error.responseType",
    "xrayTraceId": "$context.xrayTraceId",
}


def access_log_format() -> str:
    quoted = json.dumps(_ACCESS_LOG_FIELDS, separators=(",", ":"))
    return f'{quoted[:-1]},"errorMessage":$context.error.messageString}}'


class RestApiMixin:
    """The ApiStack's REST API (methods of the stack, so the constructs keep their place and
    logical ids)."""

    def _rest_api(self) -> apigw.RestApi:
        api = apigw.RestApi(
            self,
            self.rest_api_logical_id,
            rest_api_name=REST_API_NAME,
            description="Contract Management System API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # Execution logging (ERROR level) needs the account-level CloudWatch role.
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE_NAME,
                throttling_rate_limit=self.deploy.throttle_rate_limit,
                throttling_burst_limit=self.deploy.throttle_burst_limit,
                tracing_enabled=True,
                metrics_enabled=True,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                # Bodies carry signatures and personal data: never log them.
                data_trace_enabled=False,
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=apigw.AccessLogFormat.custom(access_log_format()),
            ),
        )
        api.node.default_child.override_logical_id(self.rest_api_logical_id)
        return api

    def _authorizer(self) -> apigw.RequestAuthorizer:
        authorizer = apigw.RequestAuthorizer(
            self,
            self.authorizer_logical_id,
            authorizer_name="cms-jwt",
            handler=self.functions[AUTHORIZER_FUNCTION],
            identity_sources=[apigw.IdentitySource.header("Authorization")],
            results_cache_ttl=AUTHORIZER_CACHE_TTL,
        )
        authorizer.node.default_child.override_logical_id(self.authorizer_logical_id)
        return authorizer

    def _routes(self, routes: Mapping[str, Sequence[Route]]) -> None:
        methods_by_path: dict[str, set[str]] = defaultdict(set)
        for name, function_routes in sorted(routes.items()):
            # One integration (and one invoke permission) per function: a permission per
            # method would grow the function's resource policy towards its 20 KB limit.
            integration = apigw.LambdaIntegration(
                self.functions[name],
                proxy=True,
                scope_permission_to_method=False,
            )
            for route in function_routes:
                self._method(route, integration)
                methods_by_path[route.path].add(route.method)
        for path, methods in sorted(methods_by_path.items()):
            self._cors_preflight(path, methods)
            self._method_not_allowed(path, methods)

    def _method(self, route: Route, integration: apigw.LambdaIntegration) -> None:
        resource = self.rest_api.root.resource_for_path(route.path)
        if route.authorized:
            method = resource.add_method(
                route.method,
                integration,
                authorizer=self.authorizer,
                authorization_type=apigw.AuthorizationType.CUSTOM,
            )
            acknowledge(
                method,
                "AwsSolutions-COG4",
                "Guarded by the JWT REQUEST authorizer: callers sign in with DIDs and signed "
                "challenges, so there is no Cognito user pool to authorize against.",
            )
            return
        method = resource.add_method(
            route.method, integration, authorization_type=apigw.AuthorizationType.NONE
        )
        reason = (
            "Public by design (its OpenAPI operation has no bearerAuth): sign-in routes run "
            "before a token exists; health, JWKS and OpenAPI are public documents."
        )
        acknowledge(method, "AwsSolutions-APIG4", reason)
        acknowledge(method, "AwsSolutions-COG4", reason)

    def _cors_preflight(self, path: str, methods: set[str]) -> None:
        # cdk-nag does not flag OPTIONS methods: browsers send no credentials on a preflight.
        self.rest_api.root.resource_for_path(path).add_cors_preflight(
            allow_origins=[self.deploy.cors_allow_origin],
            allow_headers=list(CORS_ALLOW_HEADERS),
            allow_methods=sorted(methods | {"OPTIONS"}),
            max_age=CORS_MAX_AGE,
        )

    def _method_not_allowed(self, path: str, methods: set[str]) -> None:
        """Any other method on a known path is 405 with ``Allow`` (RFC 9110), not the 403
        "Missing Authentication Token" REST APIs answer by default. The specific methods of
        the path take precedence over ANY, so this catches only the rest."""
        allow = ", ".join(sorted(methods | {"OPTIONS"}))
        headers = {"Allow": f"'{allow}'", "Content-Type": f"'{PROBLEM_CONTENT_TYPE}'",
                   "Access-Control-Allow-Origin": f"'{self.deploy.cors_allow_origin}'"}
        integration = apigw.MockIntegration(
            request_templates={"application/json": '{"statusCode": 405}'},
            passthrough_behavior=apigw.PassthroughBehavior.NEVER,
            integration_responses=[apigw.IntegrationResponse(
                status_code="405",
                response_parameters={f"method.response.header.{name}": value
                                     for name, value in headers.items()},
                response_templates={"application/json": method_not_allowed_template()})])
        method = self.rest_api.root.resource_for_path(path).add_method(
            "ANY", integration, authorization_type=apigw.AuthorizationType.NONE,
            method_responses=[apigw.MethodResponse(
                status_code="405",
                response_parameters={f"method.response.header.{name}": True
                                     for name in headers})])
        reason = ("Answers 405 Method Not Allowed from a MOCK integration: no function, no "
                  "data, nothing to authorize.")
        acknowledge(method, "AwsSolutions-APIG4", reason)
        acknowledge(method, "AwsSolutions-COG4", reason)

    def _gateway_responses(self) -> None:
        for response in GATEWAY_RESPONSES:
            self.rest_api.add_gateway_response(
                f"{pascal(response.response_type.lower())}Response",
                type=apigw.ResponseType.of(response.response_type),
                status_code=None if response.status is None else str(response.status),
                response_headers={
                    "Content-Type": f"'{PROBLEM_CONTENT_TYPE}'",
                    "Access-Control-Allow-Origin": f"'{self.deploy.cors_allow_origin}'",
                    # Static values are single-quoted literals in API Gateway mappings.
                    **{name: f"'{value}'" for name, value in response.headers},
                },
                templates={"application/json": response.template()},
            )

    def _acknowledge_api_findings(self) -> None:
        acknowledge(
            self.rest_api.node.default_child,
            "AwsSolutions-APIG2",
            "Handlers validate every request against the same Pydantic models that generate "
            "the OpenAPI document; a second copy of the rules in API Gateway models could drift.",
        )
        acknowledge(
            self.rest_api.deployment_stage.node.default_child,
            "AwsSolutions-APIG3",
            "No WAF web ACL in this deployment: the stage is throttled and sign-in is "
            "rate-limited per DID and source address; docs/deploy.md shows where to attach one.",
        )
        acknowledge(
            self.rest_api.node.find_child("CloudWatchRole"),
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
            "API Gateway's account-level logging role, needed for execution logs; the AWS "
            "managed policy is the one API Gateway documents for it and covers only Logs.",
        )

