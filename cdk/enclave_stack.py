"""CmsEnclave: the EC2 parent that runs the training enclave (AWS Nitro Enclaves).

One Auto Scaling group of Nitro instances in a VPC without internet access: private isolated
subnets, gateway endpoints for S3 and DynamoDB, interface endpoints for SQS, KMS, Lambda,
CloudWatch Logs and Systems Manager (sessions instead of SSH), flow logs. Each instance
installs the Nitro Enclaves CLI, reserves CPUs and memory for the enclave, downloads the enclave
image (EIF, built and measured by CI from ``enclave_app/Dockerfile``) and the parent's code (a
CDK asset), checks the image's PCR0 against the allowed measurements, runs the enclave (CID 16)
and the parent service ``python -m training_runner`` under systemd.

The parent's role (a fixed name, so CmsData's training key policy can name it) may take jobs
from the training queue, update jobs and budgets, read datasets and write checkpoints and models
under the training bucket's prefix, make wrapped checkpoint keys, and call kms:Decrypt on the
training key only with a Nitro attestation document of an allowed image (docs/operations.md,
"Enclave stack"). It reads circuit contracts from the engine table but records their results
only by invoking CmsApi's engine function (which runs nothing but ``recordResult`` on a circuit
contract for a direct invocation): it cannot write any contract's state itself.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import Aws, CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from cdk.context import REPO_ROOT, DeployContext
from cdk.data_stack import (
    ATTESTATION_CONDITION_KEY,
    CIRCUITS_QUEUE,
    TRAINING_QUEUE,
    DataStack,
    bucket_name,
    enclave_parent_role_name,
    queue_env_var,
)
from cdk.grants import HEARTBEATS, grant_buckets, grant_heartbeat, grant_tables
from cdk.nag import acknowledge
from cms.adapters.engine_function import ENGINE_FUNCTION_ENV
from cms.domain.health import ENCLAVE_PARENT
from functions.permissions import Access

ENCLAVE_CID = 16  # the enclave's vsock address; the parent is CID 3
ENCLAVE_PORT = 5005
ENCLAVE_ADDRESS = f"vsock://{ENCLAVE_CID}:{ENCLAVE_PORT}"
VPC_CIDR = "10.80.0.0/16"
ROOT_VOLUME_GIB = 30  # the OS, the parent's code and the enclave image file

# What the parent touches: the jobs it runs, the budgets it settles, the contracts' terms.
PARENT_TABLES: Mapping[str, Access] = {
    "training_jobs": Access.READ_WRITE,
    "privacy_budgets": Access.READ_WRITE,
    "contracts": Access.READ,
    # The parties' standing: no key is released for a job whose party is suspended.
    "identities": Access.READ,
    # Circuit contracts: their circuit, ciphertexts and wrapped input key are read here; the
    # results are recorded through the engine function (lambda:InvokeFunction on it alone),
    # so the parent cannot write any contract's state (balances, results) past its checks.
    "engine": Access.READ,
    # Each finished evaluation's place in its requester's quota is given back here.
    "quotas": Access.READ_WRITE,
}
# The queues it serves, each with a loop of its own.
PARENT_QUEUES = (TRAINING_QUEUE, CIRCUITS_QUEUE)
PARENT_BUCKETS: Mapping[str, tuple[str, ...]] = {"training": ("read", "write")}
# Interface endpoints (private DNS): the AWS APIs the instance calls besides S3 and DynamoDB.
INTERFACE_ENDPOINTS = {
    "Sqs": ec2.InterfaceVpcEndpointAwsService.SQS,
    "Kms": ec2.InterfaceVpcEndpointAwsService.KMS,
    "Lambda": ec2.InterfaceVpcEndpointAwsService.LAMBDA_,  # the engine function (circuits)
    "Logs": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    "Ssm": ec2.InterfaceVpcEndpointAwsService.SSM,
    "SsmMessages": ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES,
    "Ec2Messages": ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES,
}

METRIC_NAMESPACE = "ContractManagement"
HEARTBEAT_METRIC = "EnclaveParentHeartbeats"  # beats with an answering enclave

PARENT_HOME = "/opt/cms"
EIF_PATH = f"{PARENT_HOME}/enclave.eif"
RUNNER_ENV_FILE = "/etc/cms/training-runner.env"
RUNNER_LOG = "/var/log/cms/training-runner.log"


class EnclaveStack(Stack):
    parent_role_logical_id = "ParentRole"
    launch_template_logical_id = "ParentLaunchTemplate"

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data: DataStack,
        engine_function: lambda_.IFunction,
        deploy: DeployContext,
        parent_bundle: Path,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.data = data
        self.engine_function = engine_function  # CmsApi's: records circuit results
        self.deploy = deploy
        retention = logs.RetentionDays[deploy.log_retention]
        self.vpc = self._vpc(retention)
        self.endpoint_security_group, self.security_group = self._security_groups()
        self._endpoints()
        self.log_group = logs.LogGroup(self, "ParentLogs", retention=retention,
                                       removal_policy=RemovalPolicy.RETAIN)
        self.heartbeat_metric = self._heartbeat_metric()
        self.parent_code = s3_assets.Asset(self, "ParentCode", path=str(parent_bundle))
        self.image = self._image()
        self.role = self._role()
        self.launch_template = self._launch_template()
        self.group = self._group()
        self._outputs()

    # -- Network --------------------------------------------------------------------------

    def _vpc(self, retention: logs.RetentionDays) -> ec2.Vpc:
        vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(VPC_CIDR),
            max_azs=2,
            nat_gateways=0,
            # No public subnet, no internet gateway, no NAT: the only ways out are the
            # endpoints below.
            subnet_configuration=[ec2.SubnetConfiguration(
                name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24)],
            gateway_endpoints={
                "S3": ec2.GatewayVpcEndpointOptions(
                    service=ec2.GatewayVpcEndpointAwsService.S3),
                "DynamoDb": ec2.GatewayVpcEndpointOptions(
                    service=ec2.GatewayVpcEndpointAwsService.DYNAMODB),
            },
        )
        flow_logs = logs.LogGroup(self, "FlowLogs", retention=retention,
                                  removal_policy=RemovalPolicy.RETAIN)
        vpc.add_flow_log("FlowLog",
                         destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs),
                         traffic_type=ec2.FlowLogTrafficType.ALL)
        return vpc

    def _security_groups(self) -> tuple[ec2.SecurityGroup, ec2.SecurityGroup]:
        parent = ec2.SecurityGroup(
            self, "ParentSecurityGroup", vpc=self.vpc, allow_all_outbound=False,
            description="CMS enclave parent: no inbound at all (no SSH; sessions go through "
                        "SSM); HTTPS out to the VPC endpoints")
        # The subnets route nowhere but to the VPC and the S3/DynamoDB gateway endpoints
        # (whose prefix lists cannot be named in an environment-agnostic template), so HTTPS
        # to any address reaches only the endpoints. DNS, NTP and instance metadata are link-
        # local services that security groups do not filter. vsock is not a network.
        parent.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443),
                               "HTTPS to the VPC endpoints (the subnets have no other route)")
        endpoints = ec2.SecurityGroup(
            self, "EndpointSecurityGroup", vpc=self.vpc, allow_all_outbound=False,
            description="CMS enclave VPC interface endpoints: HTTPS from the parent only")
        endpoints.add_ingress_rule(parent, ec2.Port.tcp(443), "HTTPS from the enclave parent")
        return endpoints, parent

    def _endpoints(self) -> None:
        subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        for name, service in INTERFACE_ENDPOINTS.items():
            self.vpc.add_interface_endpoint(
                f"{name}Endpoint", service=service, subnets=subnets, private_dns_enabled=True,
                security_groups=[self.endpoint_security_group], open=False)

    def _heartbeat_metric(self) -> cloudwatch.Metric:
        """Beats of parents whose enclave answered, counted from the runner's log (the
        parent has no route to CloudWatch's metrics API, only to its logs): what the alarm
        on a silent training service watches (CmsObservability)."""
        self.log_group.add_metric_filter(
            "ParentHeartbeats", metric_namespace=METRIC_NAMESPACE,
            metric_name=HEARTBEAT_METRIC, metric_value="1", default_value=0,
            filter_pattern=logs.FilterPattern.all_terms("heartbeat", "enclave=ok"))
        return cloudwatch.Metric(namespace=METRIC_NAMESPACE, metric_name=HEARTBEAT_METRIC,
                                 period=Duration.minutes(5), statistic="Sum")

    # -- The enclave image ----------------------------------------------------------------

    def _image(self) -> s3_assets.Asset | None:
        """The EIF CI built and measured (context ``enclave_eif``), uploaded by cdk deploy."""
        if not self.deploy.enclave_eif:
            return None
        path = Path(self.deploy.enclave_eif)
        path = path if path.is_absolute() else REPO_ROOT / path
        if not path.is_file():
            raise ValueError(f"context 'enclave_eif': {path} is not a file (build it with "
                             "`nitro-cli build-enclave`, see docs/operations.md)")
        return s3_assets.Asset(self, "EnclaveImage", path=str(path))

    # -- The parent's role ----------------------------------------------------------------

    def _role(self) -> iam.Role:
        role = iam.Role(
            self,
            self.parent_role_logical_id,
            role_name=enclave_parent_role_name(),
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
            description="CMS enclave parent: training jobs in, models out; KMS decrypts only "
                        "for an attested enclave",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name("AmazonSSMManagedInstanceCore")],
        )
        role.node.default_child.override_logical_id(self.parent_role_logical_id)
        acknowledge(
            role,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
            "AmazonSSMManagedInstanceCore]",
            "Session Manager replaces SSH (the instance has no inbound rule); this AWS managed "
            "policy is the one SSM documents for its agent and covers only SSM's own APIs.",
        )
        role.add_to_policy(iam.PolicyStatement(
            actions=["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                     "sqs:GetQueueAttributes"],
            resources=[self.data.queues[name].queue_arn for name in PARENT_QUEUES]))
        grant_tables(role, self.data, PARENT_TABLES)
        grant_buckets(role, self.data, PARENT_BUCKETS)
        grant_heartbeat(role, self.data, ENCLAVE_PARENT)  # its own partition only
        # Circuit results: the engine function runs recordResult with every contract check.
        role.add_to_policy(iam.PolicyStatement(
            actions=["lambda:InvokeFunction"], resources=[self.engine_function.function_arn]))
        # Checkpoint keys: made wrapped, released only to the enclave (below).
        role.add_to_policy(iam.PolicyStatement(
            actions=["kms:GenerateDataKeyWithoutPlaintext"],
            resources=[self.data.training_key.key_arn]))
        if self.deploy.enclave_pcr0:
            # The key policy carries the same condition; both must allow. Without a Recipient
            # attestation document the condition key is absent and the request is denied.
            role.add_to_policy(iam.PolicyStatement(
                actions=["kms:Decrypt"], resources=[self.data.training_key.key_arn],
                conditions={"StringEqualsIgnoreCase": {
                    ATTESTATION_CONDITION_KEY: list(self.deploy.enclave_pcr0)}}))
        for asset in filter(None, (self.parent_code, self.image)):
            role.add_to_policy(iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=[f"arn:{Aws.PARTITION}:s3:::{asset.s3_bucket_name}/"
                           f"{asset.s3_object_key}"]))
        role.add_to_policy(iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            resources=[self.log_group.log_group_arn]))
        return role

    # -- Instances ------------------------------------------------------------------------

    def _launch_template(self) -> ec2.LaunchTemplate:
        template = ec2.LaunchTemplate(
            self,
            self.launch_template_logical_id,
            instance_type=ec2.InstanceType(self.deploy.enclave_instance_type),
            machine_image=ec2.MachineImage.latest_amazon_linux2023(
                cpu_type=ec2.AmazonLinuxCpuType.X86_64),
            nitro_enclave_enabled=True,
            require_imdsv2=True,
            http_put_response_hop_limit=1,
            role=self.role,
            security_group=self.security_group,
            user_data=self._user_data(),
            detailed_monitoring=True,
            ebs_optimized=True,
            associate_public_ip_address=False,
            block_devices=[ec2.BlockDevice(
                device_name="/dev/xvda",
                volume=ec2.BlockDeviceVolume.ebs(
                    ROOT_VOLUME_GIB, encrypted=True, delete_on_termination=True,
                    volume_type=ec2.EbsDeviceVolumeType.GP3))],
        )
        template.node.default_child.override_logical_id(self.launch_template_logical_id)
        return template

    @property
    def runs_parents(self) -> bool:
        """Whether parents are meant to run (an image to run, instances wanted)."""
        return self.image is not None and self.deploy.enclave_instances > 0

    def _group(self) -> autoscaling.AutoScalingGroup:
        # No image to run, no instance (an idle parent would only cost money).
        desired = self.deploy.enclave_instances if self.image is not None else 0
        group = autoscaling.AutoScalingGroup(
            self,
            "Parents",
            vpc=self.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            launch_template=self.launch_template,
            min_capacity=0,
            desired_capacity=desired,
            max_capacity=max(1, self.deploy.enclave_instances),
            health_checks=autoscaling.HealthChecks.ec2(grace_period=Duration.minutes(15)),
            # A new image or code replaces the instances one by one; a job cut short is
            # received again once its visibility timeout ends.
            update_policy=autoscaling.UpdatePolicy.rolling_update(max_batch_size=1),
        )
        acknowledge(
            group,
            "AwsSolutions-AS3",
            "Scaling events need no notification: the group is a fixed size from context, "
            "instances start and stop only on deploys, and job failures are tracked per job "
            "in the jobs table and the queue's dead-letter queue.",
        )
        return group

    def _runner_environment(self) -> dict[str, str]:
        """What ``python -m training_runner`` reads (the names the training function uses)."""
        environment = {"AWS_REGION": Aws.REGION, "AWS_DEFAULT_REGION": Aws.REGION}
        for spec in self.data.table_specs:
            if spec.key in PARENT_TABLES:
                environment[spec.env_var] = self.data.tables[spec.key].table_name
        for spec in self.data.bucket_specs:
            if spec.key in PARENT_BUCKETS:
                environment[spec.env_var] = bucket_name(spec)
        heartbeats = next(spec for spec in self.data.table_specs if spec.key == HEARTBEATS)
        environment[heartbeats.env_var] = self.data.tables[HEARTBEATS].table_name
        environment.update({
            **{queue_env_var(name): self.data.queues[name].queue_url for name in PARENT_QUEUES},
            "CMS_TRAINING_KEY_ID": self.data.training_key.key_arn,
            "CMS_ENCLAVE_ADDRESS": ENCLAVE_ADDRESS,
            ENGINE_FUNCTION_ENV: self.engine_function.function_name,
            "PYTHONPATH": f"{PARENT_HOME}/parent/python",
            "PYTHONUNBUFFERED": "1",
        })
        return environment

    def _user_data(self) -> ec2.UserData:
        user_data = ec2.UserData.for_linux()
        user_data.add_commands(*setup_commands(
            runner_environment=self._runner_environment(),
            parent_code_url=self.parent_code.s3_object_url,
            image_url=self.image.s3_object_url if self.image is not None else None,
            allowed_pcr0=self.deploy.enclave_pcr0,
            cpu_count=self.deploy.enclave_cpu_count,
            memory_mib=self.deploy.enclave_memory_mib,
            log_group=self.log_group.log_group_name,
        ))
        return user_data

    def _outputs(self) -> None:
        CfnOutput(self, "ParentRoleArn", value=self.role.role_arn)
        CfnOutput(self, "ParentGroupName", value=self.group.auto_scaling_group_name)
        CfnOutput(self, "AllowedEnclaveMeasurements",
                  value=",".join(self.deploy.enclave_pcr0) or "none (nothing can decrypt)")


def setup_commands(*, runner_environment: Mapping[str, str], parent_code_url: str,
                   image_url: str | None, allowed_pcr0: tuple[str, ...], cpu_count: int,
                   memory_mib: int, log_group: str) -> list[str]:
    """The instance's first-boot script (Amazon Linux 2023, as root, lines of bash)."""
    agent_config = json.dumps({"logs": {"logs_collected": {"files": {"collect_list": [
        {"file_path": path, "log_group_name": log_group,
         "log_stream_name": f"{{instance_id}}/{stream}"}
        for path, stream in ((RUNNER_LOG, "training-runner"),
                             ("/var/log/nitro_enclaves/nitro_enclaves.log", "nitro-enclaves"),
                             ("/var/log/cloud-init-output.log", "setup"))]}}}})
    environment = "\n".join(f"{name}={value}" for name, value in runner_environment.items())
    commands = [
        "set -euo pipefail",
        "dnf install -y aws-nitro-enclaves-cli python3.11 amazon-cloudwatch-agent unzip",
        f"install -d -m 0755 {PARENT_HOME} /etc/cms /var/log/cms",
        # Logs first, so a failure below is shipped too.
        "cat > /opt/aws/amazon-cloudwatch-agent/etc/cms.json <<'JSON'",
        agent_config,
        "JSON",
        "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config "
        "-m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/cms.json",
        # The CPUs and memory the enclave takes from the instance.
        "cat > /etc/nitro_enclaves/allocator.yaml <<'YAML'",
        "---",
        f"memory_mib: {memory_mib}",
        f"cpu_count: {cpu_count}",
        "YAML",
        "systemctl enable --now nitro-enclaves-allocator.service",
        # The parent's code (training_runner, cms and their wheels), a CDK asset.
        f"aws s3 cp {parent_code_url} {PARENT_HOME}/parent.zip",
        f"rm -rf {PARENT_HOME}/parent && unzip -q {PARENT_HOME}/parent.zip -d {PARENT_HOME}/parent",
        "id cms-parent >/dev/null 2>&1 || useradd --system --no-create-home "
        "--shell /sbin/nologin cms-parent",
        f"cat > {RUNNER_ENV_FILE} <<'ENV'",
        environment,
        "ENV",
    ]
    if image_url is None:
        return [*commands,
                "echo 'no enclave image (context enclave_eif): not starting the enclave or "
                "the training runner' >&2"]
    allowed = " ".join(allowed_pcr0)
    return [
        *commands,
        f"aws s3 cp {image_url} {EIF_PATH}",
        # KMS refuses to decrypt for any other image anyway; refusing here says so at once.
        f"pcr0=$(nitro-cli describe-eif --eif-path {EIF_PATH} | python3 -c "
        "'import json, sys; print(json.load(sys.stdin)[\"Measurements\"][\"PCR0\"].lower())')",
        'echo "enclave image PCR0: $pcr0"',
        f"allowed={shlex.quote(allowed)}",
        'if [ -z "$allowed" ]; then echo "no enclave_pcr0 configured: the enclave can train on '
        'the shipped digits but decrypt no dataset" >&2; '
        'elif [[ " $allowed " != *" $pcr0 "* ]]; then echo "refusing to run an enclave image '
        'whose PCR0 is not in enclave_pcr0" >&2; exit 1; fi',
        *_unit("cms-enclave", [
            "[Unit]",
            "Description=CMS training enclave (Nitro Enclave, never in debug mode)",
            "Requires=nitro-enclaves-allocator.service",
            "After=nitro-enclaves-allocator.service",
            "[Service]",
            # run-enclave returns once the enclave is up; the loop watches it so that systemd
            # restarts an enclave that died.
            "ExecStart=/bin/bash -c 'nitro-cli run-enclave "
            f"--eif-path {EIF_PATH} --cpu-count {cpu_count} --memory {memory_mib} "
            f"--enclave-cid {ENCLAVE_CID} && while nitro-cli describe-enclaves | "
            "grep -q RUNNING; do sleep 30; done; exit 1'",
            "ExecStopPost=/usr/bin/nitro-cli terminate-enclave --all",
            "Restart=always",
            "RestartSec=10",
            "[Install]",
            "WantedBy=multi-user.target",
        ]),
        *_unit("cms-training-runner", [
            "[Unit]",
            "Description=CMS training runner (the enclave's parent: queue, S3, DynamoDB)",
            "Wants=cms-enclave.service",
            "After=cms-enclave.service network-online.target",
            "[Service]",
            "User=cms-parent",
            f"EnvironmentFile={RUNNER_ENV_FILE}",
            f"WorkingDirectory={PARENT_HOME}/parent",
            "ExecStart=/usr/bin/python3.11 -m training_runner",
            "Restart=always",
            "RestartSec=5",
            f"StandardOutput=append:{RUNNER_LOG}",
            f"StandardError=append:{RUNNER_LOG}",
            "StateDirectory=cms-training-runner",
            "PrivateTmp=yes",
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "ProtectHome=yes",
            "[Install]",
            "WantedBy=multi-user.target",
        ]),
        "systemctl daemon-reload",
        "systemctl enable --now cms-enclave.service cms-training-runner.service",
    ]


def _unit(name: str, lines: list[str]) -> list[str]:
    return [f"cat > /etc/systemd/system/{name}.service <<'UNIT'", *lines, "UNIT"]
