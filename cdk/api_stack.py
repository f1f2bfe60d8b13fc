"""CmsApi: the shared layer, one Lambda per FunctionSpec, the REST API and the schedules.

Routes are not declared here: ``routes`` comes from ``functions.registry.http_routes``, which
reads each handler's own resolver, so the API follows the handlers. Every route is a Lambda
proxy integration; routes that require a bearer token use the JWT REQUEST authorizer.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cdk.context import DeployContext
from cdk.data_stack import (
    DataStack,
    bucket_name,
    function_role_name,
    pascal,
    queue_env_var,
)
from cdk.gateway_responses import (
    GATEWAY_RESPONSES,
    PROBLEM_CONTENT_TYPE,
    method_not_allowed_template,
)
from cdk.grants import grant_buckets, grant_tables
from cdk.lifecycle import (
    EVENT_BUS_NAME,
    SCHEDULE_GROUP,
    Lifecycle,
    scheduler_role_arn,
    schedules_arn,
    state_machine_arn,
)
from cdk.nag import acknowledge
from cdk.packaging import LambdaAssets
from cms.config import ENVIRONMENT_VARIABLES
from functions.permissions import Permissions
from functions.registry import FUNCTIONS, FunctionSpec, Route

STAGE_NAME = "prod"  # route paths already carry the version (/api/v1/...)
REST_API_NAME = "cms-api"
AUTHORIZER_FUNCTION = "authorizer"
AUTHORIZER_CACHE_TTL = Duration.seconds(60)
CORS_ALLOW_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "If-None-Match")
CORS_MAX_AGE = Duration.hours(1)


# What each function may touch, declared beside its definition (functions/registry.py).
PERMISSIONS: Mapping[str, Permissions] = {spec.name: spec.permissions for spec in FUNCTIONS}

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


def training_key_users() -> tuple[str, ...]:
    """Functions the training key's policy lets generate data keys (CmsData needs the list)."""
    return tuple(sorted(name for name, permissions in PERMISSIONS.items()
                        if permissions.generates_training_keys))


def input_key_pair_users() -> tuple[str, ...]:
    """Functions the training key's policy lets generate wrapped key pairs."""
    return tuple(sorted(name for name, permissions in PERMISSIONS.items()
                        if permissions.generates_input_key_pairs))


def access_log_format() -> str:
    quoted = json.dumps(_ACCESS_LOG_FIELDS, separators=(",", ":"))
    return f'{quoted[:-1]},"errorMessage":$context.error.messageString}}'


def function_logical_id(name: str) -> str:
    return f"{pascal(name)}Function"


class ApiStack(Stack):
    """The serverless API. ``functions`` maps FunctionSpec.name to its Lambda function."""

    layer_logical_id = "CmsLayer"
    rest_api_logical_id = "RestApi"
    authorizer_logical_id = "JwtAuthorizer"

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data: DataStack,
        assets: LambdaAssets,
        routes: Mapping[str, Sequence[Route]],
        deploy: DeployContext,
        function_specs: Sequence[FunctionSpec] = FUNCTIONS,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.data = data
        self.deploy = deploy
        self.architecture = (
            lambda_.Architecture.ARM_64
            if deploy.architecture == "arm64"
            else lambda_.Architecture.X86_64
        )
        self.layer = self._layer(assets)
        self.access_logs = self._log_group("ApiAccessLogs")
        self.rest_api = self._rest_api()
        code = lambda_.Code.from_asset(str(assets.functions))
        self.queues: dict[str, sqs.Queue] = {
            spec.queue: self._queue(spec.queue) for spec in function_specs if spec.queue}
        if clash := set(self.queues) & set(data.queues):
            raise ValueError(f"queue names used twice (CmsApi and CmsData): {sorted(clash)}")
        self.functions: dict[str, lambda_.Function] = {
            spec.name: self._function(spec, code) for spec in function_specs
        }
        self.authorizer = self._authorizer()
        self._routes(routes)
        self._gateway_responses()
        self._schedules(function_specs)
        self._object_event_rules(function_specs)
        self._table_streams(function_specs)
        self.lifecycle = Lifecycle(self, "Lifecycle", function=self.functions["lifecycle"],
                                   log_retention=logs.RetentionDays[deploy.log_retention])
        self._bus_rules(function_specs)
        self._queue_sources(function_specs)
        self._acknowledge_api_findings()

    # -- Lambda ---------------------------------------------------------------------------

    def _layer(self, assets: LambdaAssets) -> lambda_.LayerVersion:
        layer = lambda_.LayerVersion(
            self,
            self.layer_logical_id,
            code=lambda_.Code.from_asset(str(assets.layer)),
            compatible_runtimes=[lambda_.Runtime.PYTHON_3_11],
            compatible_architectures=[self.architecture],
            description="cms domain library and the pinned runtime dependencies",
        )
        layer.node.default_child.override_logical_id(self.layer_logical_id)
        return layer

    def _log_group(self, construct_id: str) -> logs.LogGroup:
        return logs.LogGroup(
            self,
            construct_id,
            retention=logs.RetentionDays[self.deploy.log_retention],
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _function(self, spec: FunctionSpec, code: lambda_.Code) -> lambda_.Function:
        log_group = self._log_group(f"{pascal(spec.name)}Logs")
        role = self._role(spec, log_group)
        function = lambda_.Function(
            self,
            function_logical_id(spec.name),
            description=spec.description,
            runtime=lambda_.Runtime.PYTHON_3_11,
            architecture=self.architecture,
            handler=spec.handler,
            code=code,
            layers=[self.layer],
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(spec.timeout_s),
            tracing=lambda_.Tracing.ACTIVE,
            reserved_concurrent_executions=spec.reserved_concurrency,
            log_group=log_group,
            role=role,
            environment=self._environment(spec),
        )
        cfn = function.node.default_child
        cfn.override_logical_id(function_logical_id(spec.name))
        cfn.add_metadata("cms:function", {"name": spec.name, "http": spec.http})
        acknowledge(
            cfn,
            "AwsSolutions-L1",
            "Python 3.11 is pinned on purpose: the layer's compiled wheels (cryptography, "
            "pynacl, pydantic-core) are built for cp311 and the code is tested on 3.11.",
        )
        return function

    def _role(self, spec: FunctionSpec, log_group: logs.LogGroup) -> iam.Role:
        # An own role instead of AWSLambdaBasicExecutionRole: logs go to this function's log
        # group only, not to any log group in the account.
        permissions = spec.permissions
        role = iam.Role(
            self,
            f"{pascal(spec.name)}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Execution role of the CMS {spec.name} function",
            role_name=(function_role_name(spec.name) if permissions.uses_training_key
                       else None),
        )
        log_group.grant_write(role)
        grant_tables(role, self.data, permissions.tables)
        grant_buckets(role, self.data, permissions.buckets)
        if permissions.generates_training_keys:
            # The key's policy allows these roles (by name) GenerateDataKey and nothing else.
            role.add_to_policy(iam.PolicyStatement(
                actions=["kms:GenerateDataKey"], resources=[self.data.training_key.key_arn]))
        if permissions.generates_input_key_pairs:
            role.add_to_policy(iam.PolicyStatement(
                actions=["kms:GenerateDataKeyPairWithoutPlaintext"],
                resources=[self.data.training_key.key_arn],
                conditions={"StringEquals": {"kms:DataKeyPairSpec": "ECC_NIST_P256"}}))
        if permissions.reads_signing_secret:
            self._grant_secret_read(role, self.data.jwt_secret)
        if permissions.signs_ledger:
            self._grant_secret_read(role, self.data.ledger_signer_secret)
        if permissions.reads_ledger:
            self.data.ledger_parameter.grant_read(role)
        self._grant_lifecycle(role, spec.name, permissions)
        for queue in permissions.sends_to:
            role.add_to_policy(iam.PolicyStatement(
                actions=["sqs:SendMessage", "sqs:GetQueueAttributes"],
                resources=[self._queue_named(queue).queue_arn]))
        self._acknowledge_role_findings(role)
        return role

    def _queue_named(self, name: str) -> sqs.IQueue:
        """A queue a function sends to: one of this stack's, else one of CmsData's."""
        return self.queues[name] if name in self.queues else self.data.queues[name]

    def _grant_lifecycle(self, role: iam.Role, name: str, permissions: Permissions) -> None:
        """Names are fixed (cdk/lifecycle.py), so these grants need no reference to the
        lifecycle constructs, which themselves refer to the functions."""
        statements = []
        if permissions.starts_workflows:
            statements.append((["states:StartExecution"], [state_machine_arn()]))
        if permissions.resumes_workflows:
            statements.append((["states:SendTaskSuccess", "states:SendTaskFailure"],
                               [state_machine_arn()]))
        if permissions.publishes_events:
            bus = f"arn:{Aws.PARTITION}:events:{Aws.REGION}:{Aws.ACCOUNT_ID}:event-bus/" \
                  f"{EVENT_BUS_NAME}"
            statements.append((["events:PutEvents"], [bus]))
        if permissions.manages_schedules:
            statements.append((["scheduler:CreateSchedule", "scheduler:UpdateSchedule",
                                "scheduler:DeleteSchedule"], [schedules_arn()]))
            statements.append((["iam:PassRole"], [scheduler_role_arn()]))
        if permissions.cancels_schedules:
            statements.append((["scheduler:DeleteSchedule"], [schedules_arn()]))
        for actions, resources in statements:
            role.add_to_policy(iam.PolicyStatement(actions=actions, resources=resources))
        if permissions.manages_schedules or permissions.cancels_schedules:
            acknowledge(role.node.find_child("DefaultPolicy"),
                        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:"
                        "<AWS::Region>:<AWS::AccountId>:schedule/cms-lifecycle/*]",
                        "One schedule per contract and purpose is created at run time, all in "
                        "the lifecycle's own schedule group.")

    def _grant_secret_read(self, role: iam.Role, secret: secretsmanager.ISecret) -> None:
        # Written out instead of Secret.grant_read: that grant puts this stack's role into the
        # key policy of CmsData, a reference back from CmsData that would make the two stacks
        # depend on each other. The key policy already trusts IAM policies of this account.
        key = self.data.key
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                resources=[secret.secret_arn],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt"],
                resources=[key.key_arn],
                conditions={
                    "StringEquals": {"kms:ViaService": f"secretsmanager.{Aws.REGION}.amazonaws.com"}
                },
            )
        )

    def _acknowledge_role_findings(self, role: iam.Role) -> None:
        acknowledge(
            role.node.find_child("DefaultPolicy"),
            "AwsSolutions-IAM5[Resource::*]",
            "Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which "
            "support no resource-level permissions.",
        )

    def _environment(self, spec: FunctionSpec) -> dict[str, str]:
        """The function's settings: the platform's, and the name of each resource its
        permissions let it use, nothing else (a resource it may not use, it cannot find)."""
        permissions = spec.permissions
        environment = dict(ENVIRONMENT_VARIABLES)
        for table_spec in self.data.table_specs:
            if table_spec.key in permissions.tables:
                environment[table_spec.env_var] = self.data.tables[table_spec.key].table_name
        for bucket_spec in self.data.bucket_specs:
            if bucket_spec.key in permissions.buckets:
                environment[bucket_spec.env_var] = bucket_name(bucket_spec)
        for queue in permissions.sends_to:
            environment[queue_env_var(queue)] = self._queue_named(queue).queue_url
        environment.update(self._grant_variables(permissions))
        domain, uri = self._siwe_binding()
        environment.update(
            {
                "CMS_SIWE_DOMAIN": domain,
                "CMS_SIWE_URI": uri,
                # Empty means no bootstrap admin; every function gets it so none disagrees.
                "CMS_BOOTSTRAP_ADMINS": ",".join(self.deploy.bootstrap_admins),
                # The origin handler responses allow, as preflights and gateway responses do.
                "CMS_CORS_ALLOW_ORIGIN": self.deploy.cors_allow_origin,
                "POWERTOOLS_SERVICE_NAME": spec.name,
            }
        )
        return environment

    def _grant_variables(self, permissions: Permissions) -> dict[str, str]:
        """Names of the secrets, keys, parameters and workflow pieces the function may use."""
        variables: dict[str, str] = {}
        if permissions.reads_signing_secret:
            variables["CMS_JWT_SECRET_ID"] = self.data.jwt_secret.secret_arn
        if permissions.reads_ledger:
            variables["CMS_LEDGER_PARAMETER"] = self.data.ledger_parameter.parameter_name
        if permissions.signs_ledger:
            variables["CMS_LEDGER_SIGNER_SECRET_ID"] = self.data.ledger_signer_secret.secret_arn
        if permissions.generates_input_key_pairs:  # circuit contracts name only these images
            variables["CMS_ENCLAVE_PCR0S"] = ",".join(self.deploy.enclave_pcr0)
        if permissions.uses_training_key:
            variables["CMS_TRAINING_KEY_ID"] = self.data.training_key.key_arn
        if permissions.uses_lifecycle:
            variables["CMS_LIFECYCLE_STATE_MACHINE_ARN"] = state_machine_arn()
        if permissions.publishes_events:
            variables["CMS_EVENT_BUS_NAME"] = EVENT_BUS_NAME
        if permissions.uses_schedules:
            variables["CMS_SCHEDULE_GROUP"] = SCHEDULE_GROUP
            variables["CMS_SCHEDULER_ROLE_ARN"] = scheduler_role_arn()
        return variables

    def _siwe_binding(self) -> tuple[str, str]:
        """The sign-in domain and URI: from context, else the API's execute-api host."""
        domain = self.deploy.siwe_domain or (
            f"{self.rest_api.rest_api_id}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}"
        )
        return domain, self.deploy.siwe_uri or f"https://{domain}"

    # -- API Gateway ----------------------------------------------------------------------

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

    # -- Schedules ------------------------------------------------------------------------

    def _schedules(self, function_specs: Sequence[FunctionSpec]) -> None:
        for spec in function_specs:
            if spec.schedule is None:
                continue
            events.Rule(
                self,
                f"{pascal(spec.name)}Schedule",
                description=f"Runs the CMS {spec.name} function: {spec.description}",
                schedule=events.Schedule.expression(spec.schedule),
                targets=[
                    targets.LambdaFunction(
                        self.functions[spec.name],
                        retry_attempts=2,
                        max_event_age=Duration.minutes(5),
                    )
                ],
            )

    # -- Queues and the bus ---------------------------------------------------------------

    def _queue(self, name: str) -> sqs.Queue:
        dead_letters = sqs.Queue(self, f"{pascal(name)}DeadLetters",
                                 encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
                                 retention_period=Duration.days(14))
        acknowledge(dead_letters, "AwsSolutions-SQS3",
                    f"This is the dead-letter queue of the {name} queue: messages that failed "
                    "five receives wait here (14 days) for inspection or redrive.")
        return sqs.Queue(self, f"{pascal(name)}Queue",
                         encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
                         visibility_timeout=Duration.minutes(10),
                         dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters,
                                                               max_receive_count=5))

    def _queue_sources(self, function_specs: Sequence[FunctionSpec]) -> None:
        for spec in function_specs:
            if spec.queue is not None:
                self.functions[spec.name].add_event_source(sources.SqsEventSource(
                    self.queues[spec.queue], batch_size=5, report_batch_item_failures=True))

    def _bus_rules(self, function_specs: Sequence[FunctionSpec]) -> None:
        for spec in function_specs:
            if not spec.bus_events:
                continue
            dead_letters = sqs.Queue(self, f"{pascal(spec.name)}BusFailures",
                                     encryption=sqs.QueueEncryption.SQS_MANAGED,
                                     enforce_ssl=True, retention_period=Duration.days(14))
            acknowledge(dead_letters, "AwsSolutions-SQS3",
                        "This queue is itself the dead-letter queue of a bus rule's target.")
            events.Rule(
                self, f"{pascal(spec.name)}BusEvents", event_bus=self.lifecycle.bus,
                description=f"Every contract lifecycle event → {spec.name}",
                event_pattern=events.EventPattern(source=["cms.contracts"]),
                targets=[targets.LambdaFunction(
                    self.functions[spec.name], retry_attempts=8,
                    max_event_age=Duration.hours(6), dead_letter_queue=dead_letters)])

    # -- DynamoDB streams -----------------------------------------------------------------

    def _table_streams(self, function_specs: Sequence[FunctionSpec]) -> None:
        for spec in function_specs:
            if spec.table_stream is None:
                continue
            dead_letters = sqs.Queue(
                self, f"{pascal(spec.name)}StreamFailures",
                encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
                retention_period=Duration.days(14))
            acknowledge(dead_letters, "AwsSolutions-SQS3",
                        "This queue is itself the on-failure destination of the stream's "
                        "event source mapping: records that failed every retry land here.")
            self.functions[spec.name].add_event_source(sources.DynamoEventSource(
                self.data.tables[spec.table_stream],
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=25, bisect_batch_on_error=True, retry_attempts=10,
                max_record_age=Duration.days(1), parallelization_factor=1,
                filters=[lambda_.FilterCriteria.filter(
                    {"eventName": lambda_.FilterRule.is_equal("INSERT")})],
                on_failure=sources.SqsDlq(dead_letters)))

    # -- S3 object events (through EventBridge) -------------------------------------------

    def _object_event_rules(self, function_specs: Sequence[FunctionSpec]) -> None:
        for spec in function_specs:
            if not spec.object_events:
                continue
            # One bucket key, or several (one rule matching all of them).
            keys = ((spec.object_events,) if isinstance(spec.object_events, str)
                    else tuple(spec.object_events))
            names = [bucket_name(b) for key in keys
                     for b in self.data.bucket_specs if b.key == key]
            if len(names) != len(keys):
                raise ValueError(f"{spec.name}: object_events names an unknown bucket {keys}")
            events.Rule(
                self,
                f"{pascal(spec.name)}ObjectEvents",
                description=f"Object Created in the {', '.join(keys)} bucket(s) → {spec.name}",
                event_pattern=events.EventPattern(
                    source=["aws.s3"],
                    detail_type=["Object Created"],
                    detail={"bucket": {"name": names}},
                ),
                targets=[
                    targets.LambdaFunction(
                        self.functions[spec.name],
                        retry_attempts=8,
                        max_event_age=Duration.hours(6),
                    )
                ],
            )
