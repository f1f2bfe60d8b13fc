"""CmsApi: the shared layer, one Lambda per FunctionSpec, the REST API and the triggers.

Routes are not declared here: ``routes`` comes from ``functions.registry.http_routes``, which
reads each handler's own operations, so the API follows the handlers. Every route is a Lambda
proxy integration; routes that require a bearer token use the JWT REQUEST authorizer. The
stack's parts live by what they do: cdk/api_functions.py (functions, roles, environments),
cdk/api_gateway.py (the REST API), cdk/api_triggers.py (schedules, queues, rules, streams).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cdk.api_functions import (
    PERMISSIONS,
    FunctionsMixin,
    function_logical_id,
    input_key_pair_users,
    training_key_users,
)
from cdk.api_gateway import (
    AUTHORIZER_FUNCTION,
    CORS_ALLOW_HEADERS,
    REST_API_NAME,
    STAGE_NAME,
    RestApiMixin,
    access_log_format,
)
from cdk.api_triggers import TriggersMixin
from cdk.context import DeployContext
from cdk.data_stack import DataStack
from cdk.lifecycle import Lifecycle
from cdk.packaging import LambdaAssets
from functions.registry import FUNCTIONS, FunctionSpec, Route

__all__ = ["AUTHORIZER_FUNCTION", "CORS_ALLOW_HEADERS", "PERMISSIONS", "REST_API_NAME",
           "STAGE_NAME", "ApiStack", "access_log_format", "function_logical_id",
           "input_key_pair_users", "training_key_users"]


class ApiStack(FunctionsMixin, RestApiMixin, TriggersMixin, Stack):
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
