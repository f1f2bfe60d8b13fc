"""CmsApi's functions: the shared layer, one Lambda per FunctionSpec, each with its own role
(least privilege, from the permissions beside its definition in functions/registry.py) and
its own environment (only the names of what it may use)."""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs

from cdk.data_stack import bucket_name, function_role_name, pascal, queue_env_var
from cdk.grants import (
    HEARTBEATS,
    grant_bucket_metadata,
    grant_buckets,
    grant_heartbeat,
    grant_tables,
)
from cdk.lifecycle import (
    EVENT_BUS_NAME,
    SCHEDULE_GROUP,
    scheduler_role_arn,
    schedules_arn,
    state_machine_arn,
)
from cdk.nag import acknowledge
from cdk.packaging import LambdaAssets
from cms.config import ENVIRONMENT_VARIABLES
from cms.domain.contracts.retention import LOCK_MODE
from functions.permissions import Permissions
from functions.registry import FUNCTIONS, FunctionSpec

# What each function may touch, declared beside its definition (functions/registry.py).
PERMISSIONS = {spec.name: spec.permissions for spec in FUNCTIONS}


def training_key_users() -> tuple[str, ...]:
    """Functions the training key's policy lets generate data keys (CmsData needs the list)."""
    return tuple(sorted(name for name, permissions in PERMISSIONS.items()
                        if permissions.generates_training_keys))


def input_key_pair_users() -> tuple[str, ...]:
    """Functions the training key's policy lets generate wrapped key pairs."""
    return tuple(sorted(name for name, permissions in PERMISSIONS.items()
                        if permissions.generates_input_key_pairs))


def function_logical_id(name: str) -> str:
    return f"{pascal(name)}Function"


class FunctionsMixin:
    """The ApiStack's Lambda functions, roles and environments (methods of the stack, so the
    constructs keep their place and logical ids)."""

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
        self._grant_probes(role, permissions)
        self._acknowledge_role_findings(role)
        return role

    def _grant_probes(self, role: iam.Role, permissions: Permissions) -> None:
        """Health probes (metadata only) and the heartbeat a background function writes."""
        grant_bucket_metadata(role, self.data, permissions.describes_buckets)
        if permissions.describes_queues:
            role.add_to_policy(iam.PolicyStatement(
                actions=["sqs:GetQueueAttributes"],
                resources=[self._queue_named(q).queue_arn for q in permissions.describes_queues]))
        if permissions.describes_event_bus:
            role.add_to_policy(iam.PolicyStatement(
                actions=["events:DescribeEventBus"], resources=[_bus_arn()]))
        if permissions.heartbeat:
            grant_heartbeat(role, self.data, permissions.heartbeat)

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
            statements.append((["events:PutEvents"], [_bus_arn()]))
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
            if bucket_spec.object_lock and "lock" in permissions.buckets.get(bucket_spec.key, ()):
                # The mode the bucket's policy is written for (CmsData), never another.
                environment["CMS_DOCUMENT_LOCK_MODE"] = LOCK_MODE
        for queue in sorted({*permissions.sends_to, *permissions.describes_queues}):
            environment[queue_env_var(queue)] = self._queue_named(queue).queue_url
        for bucket_spec in self.data.bucket_specs:
            if bucket_spec.key in permissions.describes_buckets:
                environment[bucket_spec.env_var] = bucket_name(bucket_spec)
        if permissions.heartbeat:
            environment[self._table_variable(HEARTBEATS)] = self.data.tables[
                HEARTBEATS].table_name
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
                # The health check's and the low-balance alarm's threshold: one value.
                "CMS_LEDGER_MIN_SIGNER_BALANCE_WEI": str(self.deploy.ledger_min_signer_balance_wei),
            }
        )
        return environment

    def _table_variable(self, key: str) -> str:
        return next(spec.env_var for spec in self.data.table_specs if spec.key == key)

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
        if permissions.publishes_events or permissions.describes_event_bus:
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


def _bus_arn() -> str:
    return f"arn:{Aws.PARTITION}:events:{Aws.REGION}:{Aws.ACCOUNT_ID}:event-bus/{EVENT_BUS_NAME}"
