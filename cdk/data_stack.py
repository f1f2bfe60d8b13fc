"""CmsData: the KMS keys, the DynamoDB tables, the buckets, the secrets and the training queue.

Tables are derived from the pynamodb models (``cms.adapters.tables.TABLE_SPECS``): key schema,
attribute types, GSIs and TTL come from the model, so the code and the table cannot disagree.
Everything here holds state, so everything is retained when the stack is deleted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Aws, CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from cdk.nag import acknowledge
from cms.adapters.object_store import BUCKET_SPECS, BucketSpec
from cms.adapters.tables import TABLE_SPECS, TableSpec
from cms.domain.contracts.retention import LOCK_MODE

_ATTRIBUTE_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}
_PROJECTIONS = {
    "ALL": dynamodb.ProjectionType.ALL,
    "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
    "INCLUDE": dynamodb.ProjectionType.INCLUDE,
}
JWT_SECRET_LENGTH = 64


def pascal(name: str) -> str:
    """``rate_limits`` -> ``RateLimits``: stable logical ids from registry names."""
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_"))


def table_logical_id(spec: TableSpec) -> str:
    return f"{pascal(spec.key)}Table"


def bucket_logical_id(spec: BucketSpec) -> str:
    return f"{pascal(spec.key)}Bucket"


def bucket_name(spec: BucketSpec) -> str:
    """Named per account and region (bucket names are global): grants can then name the
    objects without a reference across stacks."""
    return f"cms-{spec.key}-{Aws.ACCOUNT_ID}-{Aws.REGION}"


# Roles the training key's policy names. CmsData is deployed before the stacks that hold them,
# so the policy names them by ARN in an ``aws:PrincipalArn`` condition (a role that does not
# exist yet cannot be a key policy principal) and the roles get these fixed names.
ENCLAVE_PARENT_ROLE = "cms-enclave-parent"


def enclave_parent_role_name() -> str:
    """The EC2 role of the enclave's parent instance (CmsEnclave)."""
    return f"{ENCLAVE_PARENT_ROLE}-{Aws.REGION}"


def function_role_name(function: str) -> str:
    """The execution role of a function the training key's policy names (CmsApi)."""
    return f"cms-{function}-{Aws.REGION}"


def role_arn(name: str) -> str:
    return f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/{name}"


# KMS actions that administer a key without using it: the account keeps control of the
# training key (rotation, policy, deletion) but no IAM policy can make it decrypt. Not
# kms:CreateGrant: a grant could hand out Decrypt without the attestation condition.
KEY_ADMIN_ACTIONS = (
    "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:DeleteAlias",
    "kms:DescribeKey", "kms:DisableKey", "kms:DisableKeyRotation", "kms:EnableKey",
    "kms:EnableKeyRotation", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListAliases",
    "kms:ListGrants", "kms:ListKeyPolicies", "kms:ListResourceTags", "kms:PutKeyPolicy",
    "kms:RevokeGrant", "kms:RotateKeyOnDemand", "kms:ScheduleKeyDeletion", "kms:TagResource",
    "kms:UntagResource", "kms:UpdateAlias", "kms:UpdateKeyDescription",
)
# The Nitro attestation condition key KMS evaluates on requests with a Recipient document.
ATTESTATION_CONDITION_KEY = "kms:RecipientAttestation:PCR0"
TRAINING_QUEUE = "training"  # sends_to name; the functions get CMS_TRAINING_QUEUE_URL
# Circuit contracts' evaluations: their own queue, served by the parent's own loop, so a stream
# of them never waits in front of training jobs (the engine function gets
# CMS_CIRCUITS_QUEUE_URL).
CIRCUITS_QUEUE = "circuits"


class DataStack(Stack):
    """Stateful resources. Other stacks receive these constructs by reference."""

    key_logical_id = "CmsKey"
    training_key_logical_id = "TrainingDataKey"
    secret_logical_id = "JwtSigningKeySecret"  # noqa: S105 - a logical id, not a secret

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        table_specs: Sequence[TableSpec] = TABLE_SPECS,
        training_key_users: Sequence[str] = (),
        input_key_pair_users: Sequence[str] = (),
        enclave_pcr0: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        """``training_key_users``: functions that may generate training data keys;
        ``input_key_pair_users``: functions that may generate wrapped key pairs (circuit
        contracts' input keys); ``enclave_pcr0``: enclave image measurements whose attested
        requests may decrypt."""
        super().__init__(scope, construct_id, **kwargs)
        self.key = self._key()
        self.training_key = self._training_key(tuple(training_key_users),
                                               tuple(input_key_pair_users), tuple(enclave_pcr0))
        self.table_specs = tuple(table_specs)
        self.tables: Mapping[str, dynamodb.Table] = {
            spec.key: self._table(spec) for spec in self.table_specs
        }
        # Index names per table, for grants that name each index instead of ``index/*``.
        self.index_names: Mapping[str, tuple[str, ...]] = {
            spec.key: _index_names(spec.schema) for spec in self.table_specs
        }
        self.bucket_specs = BUCKET_SPECS
        self.access_logs_bucket = self._access_logs_bucket()
        self.buckets: Mapping[str, s3.Bucket] = {
            spec.key: self._bucket(spec) for spec in self.bucket_specs
        }
        # Queues consumed outside CmsApi, by name (functions send to them through sends_to).
        self.queues: Mapping[str, sqs.Queue] = {TRAINING_QUEUE: self._training_queue(),
                                                CIRCUITS_QUEUE: self._circuits_queue()}
        self.jwt_secret = self._jwt_secret()
        self.ledger_signer_secret = self._ledger_signer_secret()
        self.ledger_parameter = self._ledger_parameter()
        self._outputs()

    def _key(self) -> kms.Key:
        key = kms.Key(
            self,
            "Key",
            description="CMS data at rest: DynamoDB tables, token signing secret, alarm topic",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # The alarm topic (CmsObservability) is encrypted with this key; CloudWatch alarms can
        # publish to an encrypted topic only if the key lets the CloudWatch service use it.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublishToEncryptedTopic",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
            )
        )
        _cfn(key).override_logical_id(self.key_logical_id)
        return key

    def _training_key(self, users: tuple[str, ...], pair_users: tuple[str, ...],
                      measurements: tuple[str, ...]) -> kms.Key:
        """The envelope key of training data (datasets, checkpoints). Its policy is the whole
        access story: the account administers it; the functions that register datasets may
        only generate data keys; the enclave parent may generate wrapped keys it cannot read
        (checkpoint keys) and decrypt only in a request that carries a Nitro attestation
        document of an allowed image (KMS then encrypts the answer to the enclave's own key,
        so the parent never sees plaintext). Without measurements nothing can decrypt."""
        account = iam.AccountRootPrincipal()
        statements = [iam.PolicyStatement(
            sid="AccountAdministersTheKeyButCannotUseIt", principals=[account],
            actions=list(KEY_ADMIN_ACTIONS), resources=["*"])]
        if users:
            statements.append(iam.PolicyStatement(
                sid="DatasetRegistrationGeneratesDataKeys", principals=[account],
                actions=["kms:GenerateDataKey"], resources=["*"],
                conditions={"ArnEquals": {"aws:PrincipalArn": [
                    role_arn(function_role_name(name)) for name in users]}}))
        if pair_users:
            statements.append(iam.PolicyStatement(
                sid="CircuitDeploymentsGenerateWrappedKeyPairs", principals=[account],
                actions=["kms:GenerateDataKeyPairWithoutPlaintext"], resources=["*"],
                conditions={"ArnEquals": {"aws:PrincipalArn": [
                    role_arn(function_role_name(name)) for name in pair_users]},
                    "StringEquals": {"kms:DataKeyPairSpec": "ECC_NIST_P256"}}))
        parent = {"ArnEquals": {"aws:PrincipalArn": role_arn(enclave_parent_role_name())}}
        statements.append(iam.PolicyStatement(
            sid="EnclaveParentGeneratesWrappedKeys", principals=[account],
            actions=["kms:GenerateDataKeyWithoutPlaintext"], resources=["*"],
            conditions=parent))
        if measurements:
            statements.append(iam.PolicyStatement(
                sid="AttestedEnclaveDecrypts", principals=[account],
                actions=["kms:Decrypt"], resources=["*"],
                conditions={**parent, "StringEqualsIgnoreCase": {
                    ATTESTATION_CONDITION_KEY: list(measurements)}}))
        key = kms.Key(
            self,
            self.training_key_logical_id,
            description="CMS training datasets (envelope encryption); only an attested enclave "
                        "image may decrypt",
            enable_key_rotation=True,
            policy=iam.PolicyDocument(statements=statements),
            removal_policy=RemovalPolicy.RETAIN,
        )
        _cfn(key).override_logical_id(self.training_key_logical_id)
        return key

    def _training_queue(self) -> sqs.Queue:
        """Training jobs from the training function to the enclave parent (CmsEnclave). The
        parent extends the visibility while a job runs (a heartbeat); 15 minutes is how long
        a job stays hidden if the parent dies without a word."""
        return self._parent_queue(TRAINING_QUEUE, "Training", "training jobs",
                                  Duration.minutes(15))

    def _circuits_queue(self) -> sqs.Queue:
        """Circuit evaluations from the engine function to the enclave parent's circuits loop
        (each received with a 5-minute hold; this covers a receive that sets none)."""
        return self._parent_queue(CIRCUITS_QUEUE, "Circuits", "circuit evaluations",
                                  Duration.minutes(10))

    def _parent_queue(self, key: str, prefix: str, what: str,
                      visibility: Duration) -> sqs.Queue:
        dead_letters = sqs.Queue(self, f"{prefix}DeadLetters",
                                 encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
                                 retention_period=Duration.days(14))
        _cfn(dead_letters).override_logical_id(f"{prefix}DeadLetters")
        acknowledge(dead_letters, "AwsSolutions-SQS3",
                    f"This is the dead-letter queue of the {what} queue: jobs that failed "
                    "five receives wait here (14 days) for inspection or redrive.")
        queue = sqs.Queue(
            self, f"{prefix}Queue",
            encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
            visibility_timeout=visibility,
            retention_period=Duration.days(14),  # jobs wait while no parent runs
            receive_message_wait_time=Duration.seconds(20),  # long polling
            dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters, max_receive_count=5))
        cfn = _cfn(queue)
        cfn.override_logical_id(f"{prefix}Queue")
        cfn.add_metadata("cms:queue", {"key": key, "env_var": queue_env_var(key)})
        return queue

    def _table(self, spec: TableSpec) -> dynamodb.Table:
        schema = spec.schema
        types = _attribute_types(schema["attribute_definitions"])
        partition, sort = _keys(schema["key_schema"], types)
        table = dynamodb.Table(
            self,
            table_logical_id(spec),
            partition_key=partition,
            sort_key=sort,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=spec.ttl_attribute,
            stream=dynamodb.StreamViewType.NEW_IMAGE if spec.stream else None,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        for index in schema.get("global_secondary_indexes", []):
            index_partition, index_sort = _keys(index["key_schema"], types)
            projection = index["projection"]
            table.add_global_secondary_index(
                index_name=index["index_name"],
                partition_key=index_partition,
                sort_key=index_sort,
                projection_type=_PROJECTIONS[projection["ProjectionType"]],
                non_key_attributes=projection.get("NonKeyAttributes"),
            )
        for index in schema.get("local_secondary_indexes", []):
            _, index_sort = _keys(index["key_schema"], types)
            projection = index["projection"]
            table.add_local_secondary_index(
                index_name=index["index_name"],
                sort_key=index_sort,
                projection_type=_PROJECTIONS[projection["ProjectionType"]],
                non_key_attributes=projection.get("NonKeyAttributes"),
            )
        cfn = _cfn(table)
        cfn.override_logical_id(table_logical_id(spec))
        # Lets the local stack map a template table to its model without parsing logical ids.
        cfn.add_metadata("cms:table", {"key": spec.key, "env_var": spec.env_var})
        return table

    def _bucket(self, spec: BucketSpec) -> s3.Bucket:
        bucket = s3.Bucket(
            self,
            bucket_logical_id(spec),
            bucket_name=bucket_name(spec),
            versioned=True,  # every template version and document version stays readable
            object_lock_enabled=spec.object_lock or None,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            server_access_logs_bucket=self.access_logs_bucket,
            server_access_logs_prefix=f"{spec.key}/",
            # Browsers upload attachments straight to S3 with a presigned POST.
            cors=[s3.CorsRule(allowed_methods=[s3.HttpMethods.POST, s3.HttpMethods.GET],
                              allowed_origins=[self.node.try_get_context("cors_allow_origin")
                                               or "*"],
                              allowed_headers=["*"], max_age=3600)] if spec.events else None,
            removal_policy=RemovalPolicy.RETAIN,
        )
        if spec.object_lock:
            self._deny_lock_bypass(bucket)
        cfn = _cfn(bucket)
        cfn.override_logical_id(bucket_logical_id(spec))
        if spec.events:
            # The bucket's own CloudFormation property, not event_bridge_enabled (which
            # deploys a notification-handler Lambda to call the S3 API).
            cfn.add_property_override(
                "NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled", True)
        cfn.add_metadata("cms:bucket", {"key": spec.key, "env_var": spec.env_var,
                                        "object_lock": spec.object_lock, "events": spec.events})
        return bucket

    @staticmethod
    def _deny_lock_bypass(bucket: s3.Bucket) -> None:
        """Object Lock is in GOVERNANCE mode (cms.domain.contracts.retention: why), with no
        default retention (the workflow locks each signed version). GOVERNANCE yields to
        s3:BypassGovernanceRetention; this denies it to every principal, the platform's roles
        and the account's administrators alike, so lifting a lock takes a deliberate, logged
        change of this policy first (docs/operations.md), never a stray permission."""
        if LOCK_MODE != "GOVERNANCE":
            return
        bucket.add_to_resource_policy(iam.PolicyStatement(
            sid="DenyObjectLockBypass", effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()], actions=["s3:BypassGovernanceRetention"],
            resources=[bucket.arn_for_objects("*")]))
        # A role that may set retention could otherwise switch a lock to COMPLIANCE, which
        # nobody (the account's root included) can lift or shorten again.
        bucket.add_to_resource_policy(iam.PolicyStatement(
            sid="DenyComplianceLocks", effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["s3:PutObject", "s3:PutObjectRetention"],
            resources=[bucket.arn_for_objects("*")],
            conditions={"StringEquals": {"s3:object-lock-mode": "COMPLIANCE"}}))

    def _access_logs_bucket(self) -> s3.Bucket:
        bucket = s3.Bucket(
            self,
            "AccessLogsBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,  # log delivery cannot use a KMS key
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,  # a policy, no ACLs
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(365))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(_cfn(bucket), "AwsSolutions-S1",
                    "This is the access-log bucket of the template and document buckets; "
                    "logging it into itself would loop.")
        return bucket

    def _ledger_signer_secret(self) -> secretsmanager.Secret:
        return self._seed_secret(
            "LedgerSigner", "LedgerSignerSecret",
            "Seed of the secp256k1 key that sends ContractLedger transactions (the functions "
            "derive the key with HKDF; fund its address, shown by GET /api/v1/ledger/status)",
            "The seed of an Ethereum account, not a credential for another system: rotating it "
            "means a new account that the ledger owner must allow and fund, an operator step "
            "(docs/operations.md), so no rotation Lambda is scheduled.",
        )

    def _ledger_parameter(self) -> ssm.StringParameter:
        # {"rpc_url", "address", "chain_id", "confirmations", "gas_limit"} from context
        # `ledger`; "{}" means "not configured" and anchoring waits (docs/deploy.md).
        config = self.node.try_get_context("ledger") or {}
        parameter = ssm.StringParameter(
            self,
            "LedgerConfig",
            description="Where the CMS ContractLedger is: JSON-RPC URL, address, chain id",
            string_value=json.dumps(config, sort_keys=True),
        )
        return parameter

    def _jwt_secret(self) -> secretsmanager.Secret:
        return self._seed_secret(
            "JwtSigningKey", self.secret_logical_id,
            "Seed of the Ed25519 key that signs CMS access tokens "
            "(the functions derive the key from it with HKDF)",
            "A signing-key seed, not a credential for another system: an operator rotates it by "
            "putting a new version, and the functions keep verifying (and publishing in JWKS) "
            "the AWSPREVIOUS key until old tokens expire, so no rotation Lambda is scheduled.",
        )

    def _seed_secret(self, construct_id: str, logical_id: str, description: str,
                     no_rotation_reason: str) -> secretsmanager.Secret:
        """A random string Secrets Manager generates, from which a function derives a key
        (Secrets Manager cannot generate Ed25519 or secp256k1 keys itself)."""
        secret = secretsmanager.Secret(
            self,
            construct_id,
            description=description,
            encryption_key=self.key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=JWT_SECRET_LENGTH,
                exclude_punctuation=True,
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
        _cfn(secret).override_logical_id(logical_id)
        acknowledge(_cfn(secret), "AwsSolutions-SMG4", no_rotation_reason)
        return secret

    def _outputs(self) -> None:
        for spec in self.table_specs:
            CfnOutput(self, f"{pascal(spec.key)}TableName", value=self.tables[spec.key].table_name)
        for spec in self.bucket_specs:
            CfnOutput(self, f"{pascal(spec.key)}BucketName",
                      value=self.buckets[spec.key].bucket_name)
        CfnOutput(self, "JwtSigningKeySecretArn", value=self.jwt_secret.secret_arn)
        CfnOutput(self, "KeyArn", value=self.key.key_arn)
        CfnOutput(self, "TrainingDataKeyArn", value=self.training_key.key_arn)
        for name, queue in self.queues.items():
            CfnOutput(self, f"{pascal(name)}QueueUrl", value=queue.queue_url)


def queue_env_var(name: str) -> str:
    """The variable that carries a queue's URL to the code that sends to (or polls) it."""
    return f"CMS_{name.upper()}_QUEUE_URL"


def _cfn(construct: Construct) -> Any:
    """The L1 resource under an L2 construct."""
    return construct.node.default_child


def _index_names(schema: Mapping[str, Any]) -> tuple[str, ...]:
    indexes = [
        *schema.get("global_secondary_indexes", []),
        *schema.get("local_secondary_indexes", []),
    ]
    return tuple(sorted(index["index_name"] for index in indexes))


def _attribute_types(definitions: Sequence[Mapping[str, str]]) -> dict[str, dynamodb.AttributeType]:
    return {d["AttributeName"]: _ATTRIBUTE_TYPES[d["AttributeType"]] for d in definitions}


def _keys(
    key_schema: Sequence[Mapping[str, str]], types: Mapping[str, dynamodb.AttributeType]
) -> tuple[dynamodb.Attribute, dynamodb.Attribute | None]:
    """(partition, sort) attributes; pynamodb does not order HASH before RANGE."""
    by_type = {element["KeyType"]: element["AttributeName"] for element in key_schema}
    partition = dynamodb.Attribute(name=by_type["HASH"], type=types[by_type["HASH"]])
    sort_name = by_type.get("RANGE")
    sort = dynamodb.Attribute(name=sort_name, type=types[sort_name]) if sort_name else None
    return partition, sort
