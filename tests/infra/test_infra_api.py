"""CmsApi: functions, layer, routes from the handlers, authorizer, stage, gateway responses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match

from cdk.api_stack import (
    AUTHORIZER_FUNCTION,
    CORS_ALLOW_HEADERS,
    PERMISSIONS,
    STAGE_NAME,
    ApiStack,
    function_logical_id,
)
from cdk.gateway_responses import GATEWAY_RESPONSES, PROBLEM_CONTENT_TYPE
from cdk.template_routes import api_methods
from cms.adapters.tables import TABLE_SPECS
from cms.config import ENVIRONMENT_VARIABLES
from functions.registry import FUNCTIONS, FunctionSpec, http_routes

pytestmark = pytest.mark.infra

HTTP_FUNCTIONS = [spec for spec in FUNCTIONS if spec.http]
# Routes that must stay reachable without a token (sign-in, discovery, health).
PUBLIC_ROUTES = {
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/challenge"),
    ("POST", "/api/v1/auth/verify"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/health"),
    ("GET", "/health/chain"),  # the chain and anchoring, as anyone may see them
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/ledger"),  # the ledger receipt verifiers pin
}


def _function(templates: dict[str, dict], name: str) -> dict[str, Any]:
    return templates["CmsApi"]["Resources"][function_logical_id(name)]


@pytest.fixture(scope="module")
def methods(templates: dict[str, dict]):
    return api_methods(templates["CmsApi"])


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda spec: spec.name)
def test_function_matches_its_spec(templates, spec: FunctionSpec) -> None:
    resource = _function(templates, spec.name)
    assert resource["Type"] == "AWS::Lambda::Function"
    properties = resource["Properties"]
    assert properties["Handler"] == spec.handler
    assert properties["Runtime"] == "python3.11"
    assert properties["MemorySize"] == spec.memory_mb
    assert properties["Timeout"] == spec.timeout_s
    assert properties["TracingConfig"] == {"Mode": "Active"}
    assert properties["Layers"] == [{"Ref": ApiStack.layer_logical_id}]
    assert properties["Architectures"] in (["arm64"], ["x86_64"])
    assert resource["Metadata"]["cms:function"] == {"name": spec.name, "http": spec.http}


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda spec: spec.name)
def test_function_environment(templates, spec: FunctionSpec) -> None:
    variables = _function(templates, spec.name)["Properties"]["Environment"]["Variables"]
    for name, value in ENVIRONMENT_VARIABLES.items():
        assert variables[name] == value
    permissions = spec.permissions
    for table in TABLE_SPECS:
        # The name of each table the function may use (imported from CmsData), and only those.
        writes_heartbeat = table.key == "heartbeats" and permissions.heartbeat is not None
        if table.key in permissions.tables or writes_heartbeat:
            assert "Fn::ImportValue" in variables[table.env_var]
        else:
            assert table.env_var not in variables
    assert ("CMS_JWT_SECRET_ID" in variables) == permissions.reads_signing_secret
    assert ("CMS_LEDGER_PARAMETER" in variables) == permissions.reads_ledger
    assert ("CMS_LEDGER_SIGNER_SECRET_ID" in variables) == permissions.signs_ledger
    assert ("CMS_TRAINING_KEY_ID" in variables) == permissions.uses_training_key
    assert variables["POWERTOOLS_SERVICE_NAME"] == spec.name
    # cdk.json defaults: no bootstrap admin, any origin.
    assert variables["CMS_BOOTSTRAP_ADMINS"] == ""
    assert variables["CMS_CORS_ALLOW_ORIGIN"] == "*"
    # Without context the sign-in domain is the API's own execute-api host.
    assert {"Ref": ApiStack.rest_api_logical_id} in variables["CMS_SIWE_DOMAIN"]["Fn::Join"][1]
    assert variables["CMS_SIWE_URI"]["Fn::Join"][1][0] == "https://"


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda spec: spec.name)
def test_function_logs_to_its_own_retained_log_group(templates, spec: FunctionSpec) -> None:
    resources = templates["CmsApi"]["Resources"]
    log_group = _function(templates, spec.name)["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    assert resources[log_group]["Properties"]["RetentionInDays"] == 30
    assert resources[log_group]["DeletionPolicy"] == "Retain"


def test_permissions_cover_exactly_the_registered_functions() -> None:
    assert set(PERMISSIONS) == {spec.name for spec in FUNCTIONS}
    table_keys = {spec.key for spec in TABLE_SPECS}
    for permissions in PERMISSIONS.values():
        assert set(permissions.tables) <= table_keys


def _policy_statements(templates: dict[str, dict], function_name: str) -> list[dict[str, Any]]:
    resources = templates["CmsApi"]["Resources"]
    role = _function(templates, function_name)["Properties"]["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for resource in resources.values()
        if resource["Type"] == "AWS::IAM::Policy"
        and {"Ref": role} in resource["Properties"]["Roles"]
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda spec: spec.name)
def test_function_policy_has_no_wildcard_actions_and_no_managed_policies(
    templates, spec: FunctionSpec
) -> None:
    statements = _policy_statements(templates, spec.name)
    actions = [
        a
        for s in statements
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    ]
    assert all("*" not in action for action in actions)
    # Only actions without resource-level permissions may use Resource "*": X-Ray, and the
    # stream listing a DynamoDB event source needs.
    for statement in statements:
        if statement["Resource"] == "*":
            action = statement["Action"]
            assert set([action] if isinstance(action, str) else action) <= {
                "xray:PutTraceSegments", "xray:PutTelemetryRecords", "dynamodb:ListStreams"}
    role = _function(templates, spec.name)["Properties"]["Role"]["Fn::GetAtt"][0]
    assert "ManagedPolicyArns" not in templates["CmsApi"]["Resources"][role]["Properties"]
    permissions = PERMISSIONS[spec.name]
    secret_reads = [s for s in statements if "secretsmanager:GetSecretValue" in s["Action"]]
    expected = int(permissions.reads_signing_secret) + int(permissions.signs_ledger)
    assert len(secret_reads) == expected  # the JWT seed, the ledger signer seed, or none
    reads_parameter = any("ssm:GetParameter" in s["Action"] for s in statements)
    assert reads_parameter == permissions.reads_ledger


def test_one_layer_with_the_function_runtime(api_template) -> None:
    api_template.resource_count_is("AWS::Lambda::LayerVersion", 1)
    api_template.has_resource_properties(
        "AWS::Lambda::LayerVersion", {"CompatibleRuntimes": ["python3.11"]}
    )


@pytest.mark.parametrize("spec", HTTP_FUNCTIONS, ids=lambda spec: spec.name)
def test_every_route_has_a_method_on_its_function(methods, spec: FunctionSpec) -> None:
    by_route = {(m.method, m.path): m for m in methods}
    routes = http_routes(spec)
    assert routes, f"{spec.name} serves no routes"
    for route in routes:
        method = by_route[(route.method, route.path)]
        assert method.function_logical_id == function_logical_id(spec.name)
        expected = ApiStack.authorizer_logical_id if route.authorized else None
        assert method.authorizer_logical_id == expected, route


def test_public_routes_are_exactly_the_sign_in_discovery_and_ledger_routes(methods) -> None:
    public = {
        (m.method, m.path) for m in methods if m.function_logical_id and not m.authorizer_logical_id
    }
    assert public == PUBLIC_ROUTES


def test_no_method_without_a_route(methods) -> None:
    routes = {(r.method, r.path) for spec in HTTP_FUNCTIONS for r in http_routes(spec)}
    served = {(m.method, m.path) for m in methods if m.method not in ("OPTIONS", "ANY")}
    assert served == routes


def test_every_other_method_of_a_path_is_405_with_allow(templates, methods) -> None:
    resources = templates["CmsApi"]["Resources"]
    paths = {m.path for m in methods if m.method not in ("OPTIONS", "ANY")}
    catch_alls = {m.path: m for m in methods if m.method == "ANY"}
    assert set(catch_alls) == paths
    for path, method in catch_alls.items():
        assert method.authorizer_logical_id is None
        response = resources[method.logical_id]["Properties"]["Integration"][
            "IntegrationResponses"][0]
        assert response["StatusCode"] == "405"
        allow = response["ResponseParameters"]["method.response.header.Allow"].strip("'")
        declared = {m.method for m in methods if m.path == path and m.method != "ANY"}
        assert set(allow.split(", ")) == declared
        assert '"code":"method_not_allowed"' in response["ResponseTemplates"][
            "application/json"]


def test_every_path_answers_cors_preflight(templates, methods) -> None:
    resources = templates["CmsApi"]["Resources"]
    paths = {m.path for m in methods if m.method != "OPTIONS"}
    preflights = {m.path: m for m in methods if m.method == "OPTIONS"}
    assert set(preflights) == paths
    for preflight in preflights.values():
        assert preflight.authorizer_logical_id is None
        integration = resources[preflight.logical_id]["Properties"]["Integration"]
        headers = integration["IntegrationResponses"][0]["ResponseParameters"]
        allowed = headers["method.response.header.Access-Control-Allow-Headers"]
        assert allowed == "'" + ",".join(CORS_ALLOW_HEADERS) + "'"


def test_authorizer_is_a_cached_request_authorizer(api_template) -> None:
    api_template.has_resource_properties(
        "AWS::ApiGateway::Authorizer",
        {
            "Type": "REQUEST",
            "IdentitySource": "method.request.header.Authorization",
            # The bound within which a logout, a revocation or a suspension reaches every
            # route (docs/architecture.md, ADR-3): seconds, not minutes.
            "AuthorizerResultTtlInSeconds": 5,
            "AuthorizerUri": Match.object_like(
                {
                    "Fn::Join": Match.array_with(
                        [
                            Match.array_with(
                                [{"Fn::GetAtt": [function_logical_id(AUTHORIZER_FUNCTION), "Arn"]}]
                            )
                        ]
                    )
                }
            ),
        },
    )


def test_stage_is_throttled_traced_and_access_logged(templates, api_template) -> None:
    stages = api_template.find_resources("AWS::ApiGateway::Stage")
    (stage,) = stages.values()
    properties = stage["Properties"]
    assert properties["StageName"] == STAGE_NAME
    assert properties["TracingEnabled"] is True
    (settings,) = properties["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == 50
    assert settings["ThrottlingBurstLimit"] == 100
    assert settings["DataTraceEnabled"] is False
    log_setting = properties["AccessLogSetting"]
    log_group = log_setting["DestinationArn"]["Fn::GetAtt"][0]
    assert templates["CmsApi"]["Resources"][log_group]["Type"] == "AWS::Logs::LogGroup"
    rendered = json.loads(
        log_setting["Format"].replace("$context.error.messageString", json.dumps("boom"))
    )
    assert {"requestId", "status", "resourcePath", "errorMessage"} <= set(rendered)


@pytest.mark.parametrize("response", GATEWAY_RESPONSES, ids=lambda r: r.response_type)
def test_gateway_response_is_a_problem_document(api_template, response) -> None:
    found = api_template.find_resources(
        "AWS::ApiGateway::GatewayResponse",
        {"Properties": {"ResponseType": response.response_type}},
    )
    (resource,) = found.values()
    properties = resource["Properties"]
    headers = properties["ResponseParameters"]
    assert headers["gatewayresponse.header.Content-Type"] == f"'{PROBLEM_CONTENT_TYPE}'"
    assert properties.get("StatusCode") == (
        None if response.status is None else str(response.status)
    )
    template = properties["ResponseTemplates"]["application/json"]
    body = json.loads(template.replace("$context.error.messageString", json.dumps("denied")))
    assert body["type"] == f"https://cms.dev/problems/{response.code}"
    assert body["code"] == response.code
    assert body["title"] == response.title
    assert isinstance(body["detail"], str)
    assert body.get("status") == response.status


def test_throttled_response_says_when_to_retry(api_template) -> None:
    (resource,) = api_template.find_resources(
        "AWS::ApiGateway::GatewayResponse", {"Properties": {"ResponseType": "THROTTLED"}}
    ).values()
    headers = resource["Properties"]["ResponseParameters"]
    assert headers["gatewayresponse.header.Retry-After"] == "'1'"
    assert resource["Properties"]["StatusCode"] == "429"


def test_required_gateway_responses_exist() -> None:
    required = {
        "UNAUTHORIZED",
        "ACCESS_DENIED",
        "DEFAULT_4XX",
        "DEFAULT_5XX",
        "THROTTLED",
        "REQUEST_TOO_LARGE",
    }
    assert required <= {response.response_type for response in GATEWAY_RESPONSES}


@pytest.mark.parametrize("spec", [s for s in FUNCTIONS if s.schedule], ids=lambda spec: spec.name)
def test_scheduled_function_has_a_rule(templates, api_template, spec: FunctionSpec) -> None:
    api_template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": spec.schedule,
            "State": "ENABLED",
            "Targets": [
                Match.object_like({"Arn": {"Fn::GetAtt": [function_logical_id(spec.name), "Arn"]}})
            ],
        },
    )


def test_lifecycle_runs_on_a_schedule() -> None:
    assert any(spec.name == "lifecycle" and spec.schedule for spec in FUNCTIONS)


def test_the_anchor_function_runs_alone_every_minute(templates) -> None:
    anchor = _function(templates, "anchor")["Properties"]
    assert anchor["ReservedConcurrentExecutions"] == 1
    rules = [r["Properties"] for r in templates["CmsApi"]["Resources"].values()
             if r["Type"] == "AWS::Events::Rule" and "ScheduleExpression" in r["Properties"]]
    targets = {t["Arn"]["Fn::GetAtt"][0]: rule["ScheduleExpression"]
               for rule in rules for t in rule["Targets"]}
    assert targets[function_logical_id("anchor")] == "rate(1 minute)"
    environment = anchor["Environment"]["Variables"]
    assert {"CMS_LEDGER_PARAMETER", "CMS_LEDGER_SIGNER_SECRET_ID"} <= set(environment)


def test_attachment_uploads_reach_the_triggers_function(templates) -> None:
    """S3 publishes the documents bucket's events to EventBridge; a rule sends Object Created
    there to the triggers function, which may touch only that bucket's contracts/ prefix."""
    buckets = {body["Metadata"]["cms:bucket"]["key"]: body["Properties"]
               for body in templates["CmsData"]["Resources"].values()
               if body["Type"] == "AWS::S3::Bucket" and "cms:bucket" in body.get("Metadata", {})}
    documents = buckets["documents"]
    assert documents["NotificationConfiguration"]["EventBridgeConfiguration"] == {
        "EventBridgeEnabled": True}
    assert documents["ObjectLockEnabled"] is True
    assert documents["VersioningConfiguration"] == {"Status": "Enabled"}
    assert buckets["templates"]["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = [body["Properties"] for body in templates["CmsApi"]["Resources"].values()
             if body["Type"] == "AWS::Events::Rule"
             and body["Properties"].get("EventPattern", {}).get("source") == ["aws.s3"]]
    [rule] = rules
    assert rule["EventPattern"]["source"] == ["aws.s3"]
    assert rule["EventPattern"]["detail-type"] == ["Object Created"]
    [target] = rule["Targets"]
    assert target["Arn"]["Fn::GetAtt"][0] == function_logical_id("triggers")
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 8


def test_the_audit_stream_drives_the_events_function(templates) -> None:
    """New audit events only (a filter), in order, retried and bisected, then dead-lettered."""
    audit = next(body["Properties"] for body in templates["CmsData"]["Resources"].values()
                 if body["Type"] == "AWS::DynamoDB::Table"
                 and body.get("Metadata", {}).get("cms:table", {}).get("key") == "audit")
    assert audit["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    [mapping] = [body["Properties"] for body in templates["CmsApi"]["Resources"].values()
                 if body["Type"] == "AWS::Lambda::EventSourceMapping"
                 and "StreamArn" in json.dumps(body["Properties"]["EventSourceArn"])]
    assert mapping["FunctionName"] == {"Ref": function_logical_id("events")}
    assert json.loads(mapping["FilterCriteria"]["Filters"][0]["Pattern"]) == {
        "eventName": ["INSERT"]}
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRetryAttempts"] == 10
    assert "OnFailure" in mapping["DestinationConfig"]


def test_the_lifecycle_state_machine_waits_on_a_token_until_the_signing_deadline(
        templates) -> None:
    [machine] = [body["Properties"] for body in templates["CmsApi"]["Resources"].values()
                 if body["Type"] == "AWS::StepFunctions::StateMachine"]
    assert machine["StateMachineName"] == "cms-contract-lifecycle"
    definition = json.dumps(machine["DefinitionString"])
    for state in ("AwaitSignatures", "SigningDeadlinePassed", "LockDocuments",
                  "WaitForValidFrom", "Activate", "ScheduleExpiry"):
        assert state in definition
    assert "waitForTaskToken" in definition and "TimeoutSecondsPath" in definition
    assert machine["TracingConfiguration"] == {"Enabled": True}


@pytest.mark.parametrize("name, expected", [
    ("contracts", {"s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:ListBucket"}),
    ("triggers", {"s3:GetObject", "s3:GetObjectVersion", "s3:DeleteObject",
                  "s3:DeleteObjectVersion", "s3:ListBucket"}),
    ("lifecycle", {"s3:PutObjectRetention"}),
])
def test_document_objects_are_touched_only_as_each_function_needs(templates, name, expected):
    """The internet-facing contracts function can neither delete nor lock documents; a
    reader may list keys (so a missing one is 404, not 403) and nothing more."""
    actions = {action for statement in _policy_statements(templates, name)
               if "cms-documents" in json.dumps(statement["Resource"])
               for action in ([statement["Action"]] if isinstance(statement["Action"], str)
                              else statement["Action"]) if action.startswith("s3:")}
    assert actions == expected


def test_signed_files_are_locked_in_the_mode_the_bucket_is_configured_for(templates) -> None:
    """GOVERNANCE (cms.domain.contracts.retention: why), with no default retention (only
    signed versions are locked, by the workflow); the bucket's policy denies lifting a lock
    to every principal; the functions that lock are told that mode and no other, and no role
    of the platform may bypass it."""
    from cms.domain.contracts.retention import LOCK_MODE

    resources = templates["CmsData"]["Resources"]
    [documents_id] = [name for name, body in resources.items()
                      if body.get("Metadata", {}).get("cms:bucket", {}).get("key") == "documents"]
    documents = resources[documents_id]["Properties"]
    assert documents["ObjectLockEnabled"] is True
    assert "Rule" not in documents.get("ObjectLockConfiguration", {})  # no default retention
    [policy] = [body["Properties"]["PolicyDocument"] for body in resources.values()
                if body["Type"] == "AWS::S3::BucketPolicy"
                and body["Properties"]["Bucket"] == {"Ref": documents_id}]
    [deny] = [s for s in policy["Statement"] if s.get("Sid") == "DenyObjectLockBypass"]
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == (
        "Deny", {"AWS": "*"}, "s3:BypassGovernanceRetention")
    assert "Condition" not in deny
    [compliance] = [s for s in policy["Statement"] if s.get("Sid") == "DenyComplianceLocks"]
    assert (compliance["Effect"], compliance["Principal"], sorted(compliance["Action"])) == (
        "Deny", {"AWS": "*"}, ["s3:PutObject", "s3:PutObjectRetention"])
    assert compliance["Condition"] == {"StringEquals": {"s3:object-lock-mode": "COMPLIANCE"}}
    locking = {name for name in ("lifecycle", "triggers", "contracts")
               if "s3:PutObjectRetention" in json.dumps(_policy_statements(templates, name))}
    assert locking == {"lifecycle"}
    environment = _function(templates, "lifecycle")["Properties"]["Environment"]["Variables"]
    assert environment["CMS_DOCUMENT_LOCK_MODE"] == LOCK_MODE == "GOVERNANCE"
    assert "BypassGovernanceRetention" not in json.dumps(templates["CmsApi"])
