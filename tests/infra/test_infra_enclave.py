"""CmsEnclave and the training pieces of CmsData/CmsApi: the Nitro parent, its network, the
training key's attestation-bound policy, the training queue, and the enclave image's Dockerfile.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from cdk.api_stack import (
    PERMISSIONS,
    function_logical_id,
    input_key_pair_users,
    training_key_users,
)
from cdk.context import enclave_capable
from cdk.data_stack import ATTESTATION_CONDITION_KEY, ENCLAVE_PARENT_ROLE, DataStack
from cdk.enclave_stack import (
    ENCLAVE_ADDRESS,
    ENCLAVE_CID,
    INTERFACE_ENDPOINTS,
    PARENT_TABLES,
    EnclaveStack,
)
from cms.adapters.engine_function import ENGINE_FUNCTION_ENV

pytestmark = pytest.mark.infra

REPO_ROOT = Path(__file__).resolve().parents[2]
ENCLAVE_APP = REPO_ROOT / "enclave_app"
WIRE_FORMATS = REPO_ROOT / "cms_wire"  # shipped in the image beside the app
PCR0_A = "a1" * 48
PCR0_B = "B2" * 48  # upper case in context; the policy keeps it lower case
TRAINING_KEY = DataStack.training_key_logical_id
FAKE_EIF = REPO_ROOT / "build" / "test-enclave" / "not-a-real-image.eif"


@pytest.fixture(scope="module")
def measured() -> dict[str, dict]:
    """The app with two allowed measurements and an image file (a stand-in: no Docker here)."""
    from cdk.synth import DEFAULT_OUTDIR, synthesize

    FAKE_EIF.parent.mkdir(parents=True, exist_ok=True)
    FAKE_EIF.write_bytes(b"a stand-in for an EIF built by nitro-cli (infra tests only)\n")
    return synthesize(
        DEFAULT_OUTDIR.with_name("cdk.out-enclave-test"),
        layer_dependencies=False,
        context={"enclave_pcr0": [PCR0_A, PCR0_B], "enclave_eif": str(FAKE_EIF),
                 "enclave_instances": 2},
    )


def _resources(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {logical_id: body for logical_id, body in template["Resources"].items()
            if body["Type"] == resource_type}


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _key_statements(templates: dict[str, dict]) -> list[dict[str, Any]]:
    key = templates["CmsData"]["Resources"][TRAINING_KEY]
    return key["Properties"]["KeyPolicy"]["Statement"]


def _policy_statements(templates: dict[str, dict]) -> list[tuple[str, str, dict[str, Any]]]:
    """(stack, role logical id, statement) of every IAM policy attached to a role."""
    return [(stack, role["Ref"], statement)
            for stack, template in templates.items()
            for policy in _resources(template, "AWS::IAM::Policy").values()
            for role in policy["Properties"].get("Roles", [])
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]]


def _mentions(value: Any, logical_id: str) -> bool:
    """A reference to CmsData's resource, directly or through an export of another stack."""
    text = json.dumps(value)
    return f'"{logical_id}"' in text or f"ExportsOutputFnGetAtt{logical_id}" in text \
        or f"ExportsOutputRef{logical_id}" in text


def _function_role(templates: dict[str, dict], name: str) -> str:
    function = templates["CmsApi"]["Resources"][function_logical_id(name)]
    return function["Properties"]["Role"]["Fn::GetAtt"][0]


def _user_data(templates: dict[str, dict]) -> str:
    """The first-boot script with CloudFormation references shown as <…>."""
    template = templates["CmsEnclave"]["Resources"][EnclaveStack.launch_template_logical_id]
    joined = template["Properties"]["LaunchTemplateData"]["UserData"]["Fn::Base64"]
    return "".join(part if isinstance(part, str) else f"<{json.dumps(part)}>"
                   for part in joined["Fn::Join"][1])


# -- The parent instances ------------------------------------------------------------------


def test_launch_template_enables_enclaves_and_requires_imdsv2(templates) -> None:
    template = templates["CmsEnclave"]["Resources"][EnclaveStack.launch_template_logical_id]
    data = template["Properties"]["LaunchTemplateData"]
    assert data["EnclaveOptions"] == {"Enabled": True}
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert data["MetadataOptions"]["HttpPutResponseHopLimit"] == 1
    assert enclave_capable(data["InstanceType"])
    assert data["InstanceType"] == "m6i.xlarge"  # the default: 4 vCPUs, 16 GiB
    [volume] = data["BlockDeviceMappings"]
    assert volume["Ebs"]["Encrypted"] is True
    assert "KeyName" not in data  # no SSH key pair
    assert all(not interface.get("AssociatePublicIpAddress", False)
               for interface in data.get("NetworkInterfaces", []))


@pytest.mark.parametrize("instance_type, capable", [
    ("m6i.xlarge", True), ("c6i.2xlarge", True), ("m5.metal", True), ("r6a.4xlarge", True),
    ("m6i.large", False),  # 2 vCPUs: nothing left for the enclave
    ("t3.xlarge", False),  # burstable types do not support enclaves
    ("m6g.xlarge", False),  # Graviton: the parent and the image here are x86_64
    ("m6i", False),
])
def test_enclave_capable_instance_types(instance_type: str, capable: bool) -> None:
    assert enclave_capable(instance_type) is capable


def _deploy_context(context: dict[str, object]):
    from aws_cdk import App

    from cdk.context import DeployContext

    return DeployContext.from_node(App(context=context).node)


@pytest.mark.parametrize("context, message", [
    ({"enclave_instance_type": "t3.xlarge"}, "cannot run a Nitro Enclave"),
    ({"enclave_pcr0": "abc"}, "not a SHA-384 measurement"),
    ({"enclave_pcr0": ["0" * 96]}, "debug-mode enclave"),
    ({"enclave_cpu_count": 3}, "even number"),
    ({"enclave_memory_mib": 512}, "at least 1024"),
])
def test_bad_enclave_context_fails_synthesis(context: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _deploy_context(context)


def test_enclave_context_defaults_and_lists() -> None:
    deploy = _deploy_context({})
    assert deploy.enclave_pcr0 == ()
    assert (deploy.enclave_instance_type, deploy.enclave_cpu_count,
            deploy.enclave_memory_mib, deploy.enclave_instances) == ("m6i.xlarge", 2, 8192, 1)
    assert deploy.enclave_eif is None
    listed = _deploy_context({"enclave_pcr0": f"{PCR0_A}, {PCR0_B.upper()},{PCR0_A}"})
    assert listed.enclave_pcr0 == (PCR0_A, PCR0_B.lower())


def test_without_an_image_no_instance_runs(templates) -> None:
    [group] = _resources(templates["CmsEnclave"], "AWS::AutoScaling::AutoScalingGroup").values()
    assert (group["Properties"]["MinSize"], group["Properties"]["DesiredCapacity"]) == ("0", "0")
    assert "no enclave image" in _user_data(templates)
    assert "run-enclave" not in _user_data(templates)


def test_with_an_image_the_group_runs_the_enclave_and_the_runner(measured) -> None:
    [group] = _resources(measured["CmsEnclave"], "AWS::AutoScaling::AutoScalingGroup").values()
    properties = group["Properties"]
    assert (properties["MinSize"], properties["DesiredCapacity"], properties["MaxSize"]) == (
        "0", "2", "2")
    script = _user_data(measured)
    assert "dnf install -y aws-nitro-enclaves-cli" in script
    assert "memory_mib: 8192\ncpu_count: 2\n" in script
    assert f"--enclave-cid {ENCLAVE_CID}" in script and "--debug-mode" not in script
    # The image is checked against the same measurements the key policy allows.
    assert f"allowed='{PCR0_A} {PCR0_B.lower()}'" in script
    assert "ExecStart=/usr/bin/python3.11 -m training_runner" in script
    assert "User=cms-parent" in script
    environment = dict(line.split("=", 1) for line in
                       script.split("<<'ENV'\n", 1)[1].split("\nENV\n", 1)[0].splitlines())
    assert environment["CMS_ENCLAVE_ADDRESS"] == ENCLAVE_ADDRESS == "vsock://16:5005"
    for name in ("CMS_TRAINING_QUEUE_URL", "CMS_TRAINING_BUCKET", "CMS_TRAINING_KEY_ID",
                 "CMS_TRAINING_JOBS_TABLE", "CMS_PRIVACY_BUDGETS_TABLE", "CMS_CONTRACTS_TABLE",
                 "CMS_CIRCUITS_QUEUE_URL", "CMS_QUOTAS_TABLE"):
        assert environment[name], name
    assert "TrainingQueue" in environment["CMS_TRAINING_QUEUE_URL"]
    assert "CircuitsQueue" in environment["CMS_CIRCUITS_QUEUE_URL"]
    assert TRAINING_KEY in environment["CMS_TRAINING_KEY_ID"]


# -- Network: no way in, the endpoints the only way out -------------------------------------


def test_no_ssh_and_no_inbound_to_the_parent(templates) -> None:
    template = templates["CmsEnclave"]
    groups = _resources(template, "AWS::EC2::SecurityGroup")
    [parent] = [logical_id for logical_id in groups if logical_id.startswith("ParentSecurity")]
    assert "SecurityGroupIngress" not in groups[parent]["Properties"]
    standalone = _resources(template, "AWS::EC2::SecurityGroupIngress").values()
    assert all(rule["Properties"]["GroupId"]["Fn::GetAtt"][0] != parent for rule in standalone)
    for body in [*groups.values(), *standalone]:
        for rule in body["Properties"].get("SecurityGroupIngress", [body["Properties"]]):
            if "FromPort" in rule:
                assert not rule["FromPort"] <= 22 <= rule["ToPort"], rule
    # Egress: HTTPS only (the subnets route nowhere but to the endpoints).
    assert [(r["IpProtocol"], r["FromPort"], r["ToPort"])
            for r in groups[parent]["Properties"]["SecurityGroupEgress"]] == [("tcp", 443, 443)]


def test_the_vpc_has_no_internet_and_reaches_aws_through_endpoints(templates) -> None:
    template = templates["CmsEnclave"]
    for resource_type in ("AWS::EC2::InternetGateway", "AWS::EC2::NatGateway",
                          "AWS::EC2::EgressOnlyInternetGateway"):
        assert not _resources(template, resource_type), resource_type
    for route in _resources(template, "AWS::EC2::Route").values():
        assert "GatewayId" not in route["Properties"] and "NatGatewayId" not in route["Properties"]
    for subnet in _resources(template, "AWS::EC2::Subnet").values():
        assert subnet["Properties"].get("MapPublicIpOnLaunch", False) is False
    endpoints = [body["Properties"] for body in
                 _resources(template, "AWS::EC2::VPCEndpoint").values()]
    services = {json.dumps(e["ServiceName"]).split(".")[-1].strip('"]}'): e for e in endpoints}
    assert {"s3", "dynamodb"} <= set(services)
    assert services["s3"]["VpcEndpointType"] == services["dynamodb"]["VpcEndpointType"] == "Gateway"
    interface = {name for name, e in services.items() if e.get("VpcEndpointType") == "Interface"}
    assert interface == {"sqs", "kms", "lambda", "logs", "ssm", "ssmmessages", "ec2messages"}
    assert len(interface) == len(INTERFACE_ENDPOINTS)
    assert all(services[name]["PrivateDnsEnabled"] for name in interface)
    [flow_log] = _resources(template, "AWS::EC2::FlowLog").values()
    assert flow_log["Properties"]["TrafficType"] == "ALL"


# -- The parent's role ---------------------------------------------------------------------


def test_parent_role_has_a_fixed_name_and_least_privilege(templates) -> None:
    role = templates["CmsEnclave"]["Resources"][EnclaveStack.parent_role_logical_id]
    assert f"{ENCLAVE_PARENT_ROLE}-" in json.dumps(role["Properties"]["RoleName"])
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "ec2.amazonaws.com"}
    statements = [s for stack, role_id, s in _policy_statements(templates)
                  if stack == "CmsEnclave" and role_id == EnclaveStack.parent_role_logical_id]
    actions = {a for s in statements for a in _listed(s["Action"])}
    assert all("*" not in action for action in actions)
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"} <= actions
    assert "sqs:SendMessage" not in actions
    assert not {a for a in actions if a.startswith("s3:")} - {
        "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:ListBucket"}
    for statement in statements:
        for resource in _listed(statement["Resource"]):
            assert resource != "*", statement
            text = json.dumps(resource)
            if "s3:::cms-" not in text:
                continue
            assert "cms-training-" in text, statement  # CmsData's buckets: training only
            if _listed(statement["Action"]) == ["s3:ListBucket"]:  # keys, so a miss is 404
                assert "/" not in text.split("s3:::")[1], statement
            else:  # objects: the training prefix only
                assert "/training/*" in text, statement
    dynamodb = [s for s in statements if any(a.startswith("dynamodb:")
                                             for a in _listed(s["Action"]))]
    tables = {table for table in ("TrainingJobsTable", "PrivacyBudgetsTable", "ContractsTable",
                                  "AuditTable", "IdentitiesTable", "EngineTable", "QuotasTable")
              if any(_mentions(s["Resource"], table) for s in dynamodb)}
    assert tables == {"TrainingJobsTable", "PrivacyBudgetsTable", "ContractsTable",
                      "IdentitiesTable", "EngineTable", "QuotasTable"}
    assert set(PARENT_TABLES) == {"training_jobs", "privacy_budgets", "contracts",
                                  "identities", "engine", "quotas"}
    # Both queues it serves, each with a loop of its own; it sends to neither.
    sqs = [s for s in statements if "sqs:ReceiveMessage" in _listed(s["Action"])]
    assert {queue for queue in ("TrainingQueue", "CircuitsQueue")
            if any(_mentions(s["Resource"], queue) for s in sqs)} == {"TrainingQueue",
                                                                      "CircuitsQueue"}
    # The engine's table is read only (circuit contracts' inputs): results are recorded by
    # invoking the engine function, so no contract's state can be written past its checks.
    # Contracts and identities are read before every key release (a job's standing).
    for table in ("EngineTable", "ContractsTable", "IdentitiesTable"):
        actions_on = {a for s in dynamodb if _mentions(s["Resource"], table)
                      for a in _listed(s["Action"])}
        assert "dynamodb:GetItem" in actions_on and "dynamodb:Query" in actions_on, table
        assert not actions_on & {"dynamodb:PutItem", "dynamodb:UpdateItem",
                                 "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
                                 "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate",
                                 "dynamodb:PartiQLDelete"}, (table, actions_on)
    # Lambda: invoke the engine function, and nothing else.
    lambda_statements = [s for s in statements
                         if any(a.startswith("lambda:") for a in _listed(s["Action"]))]
    assert [_listed(s["Action"]) for s in lambda_statements] == [["lambda:InvokeFunction"]]
    [engine] = _listed(lambda_statements[0]["Resource"])
    assert _mentions(engine, function_logical_id("engine")), engine
    assert all(not _mentions(engine, function_logical_id(name))
               for name in PERMISSIONS if name != "engine")


def test_the_parent_knows_the_engine_function_by_name(measured) -> None:
    script = _user_data(measured)
    environment = script.split("<<'ENV'\n", 1)[1].split("\nENV\n", 1)[0]
    [line] = [line for line in environment.splitlines()
              if line.startswith(f"{ENGINE_FUNCTION_ENV}=")]
    assert _mentions(line, function_logical_id("engine")), line


# -- The training key: only an attested enclave decrypts -----------------------------------


def _decrypt_statements(templates: dict[str, dict]) -> list[dict[str, Any]]:
    """Statements of the key policy and of any IAM policy that allow kms:Decrypt (or kms:*)
    on the training key."""
    found = [s for s in _key_statements(templates)
             if {"kms:Decrypt", "kms:*"} & set(_listed(s["Action"]))]
    found += [s for _, _, s in _policy_statements(templates)
              if {"kms:Decrypt", "kms:*"} & set(_listed(s["Action"]))
              and _mentions(s["Resource"], TRAINING_KEY)]
    return found


def test_training_key_rotates_and_the_account_cannot_use_it(templates) -> None:
    key = templates["CmsData"]["Resources"][TRAINING_KEY]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"
    [admin] = [s for s in _key_statements(templates)
               if s["Sid"] == "AccountAdministersTheKeyButCannotUseIt"]
    actions = set(_listed(admin["Action"]))
    assert "kms:PutKeyPolicy" in actions  # the account keeps control of the key
    assert not actions & {"kms:*", "kms:Decrypt", "kms:Encrypt", "kms:ReEncryptFrom",
                          "kms:GenerateDataKey", "kms:CreateGrant"}
    for statement in _key_statements(templates):
        assert statement["Effect"] == "Allow"
        assert not any(a.endswith("*") for a in _listed(statement["Action"]))


def test_without_measurements_nothing_may_decrypt_training_data(templates) -> None:
    assert _decrypt_statements(templates) == []
    outputs = templates["CmsEnclave"]["Outputs"]
    assert outputs["AllowedEnclaveMeasurements"]["Value"].startswith("none")


def test_only_the_attested_enclave_parent_may_decrypt(measured) -> None:
    statements = _decrypt_statements(measured)
    assert len(statements) == 2  # the key policy's and the parent role's
    allowed = [PCR0_A, PCR0_B.lower()]
    for statement in statements:
        assert _listed(statement["Action"]) == ["kms:Decrypt"]
        assert statement["Condition"]["StringEqualsIgnoreCase"] == {
            ATTESTATION_CONDITION_KEY: allowed}
    [in_key_policy] = [s for s in _key_statements(measured) if s.get("Sid") ==
                       "AttestedEnclaveDecrypts"]
    principal = json.dumps(in_key_policy["Condition"]["ArnEquals"]["aws:PrincipalArn"])
    assert f":role/{ENCLAVE_PARENT_ROLE}-" in principal
    roles = {(stack, role) for stack, role, s in _policy_statements(measured)
             if s in statements}
    assert roles == {("CmsEnclave", EnclaveStack.parent_role_logical_id)}


def test_dataset_registration_may_only_generate_data_keys(templates) -> None:
    assert training_key_users() == ("training", "triggers")
    [statement] = [s for s in _key_statements(templates)
                   if s["Sid"] == "DatasetRegistrationGeneratesDataKeys"]
    assert statement["Action"] == "kms:GenerateDataKey"
    named = json.dumps(statement["Condition"]["ArnEquals"]["aws:PrincipalArn"])
    assert ":role/cms-training-" in named and ":role/cms-triggers-" in named
    resources = templates["CmsApi"]["Resources"]
    for name in training_key_users():
        role = resources[_function_role(templates, name)]
        assert f"cms-{name}-" in json.dumps(role["Properties"]["RoleName"])
        variables = resources[function_logical_id(name)]["Properties"]["Environment"]["Variables"]
        assert _mentions(variables["CMS_TRAINING_KEY_ID"], TRAINING_KEY)
    users = {_function_role(templates, name) for name in training_key_users()}
    engine = _function_role(templates, "engine")
    for _, role, statement in _policy_statements(templates):
        if not _mentions(statement["Resource"], TRAINING_KEY):
            continue
        if role == engine:
            assert _listed(statement["Action"]) == ["kms:GenerateDataKeyPairWithoutPlaintext"]
        elif role not in users:
            assert role == EnclaveStack.parent_role_logical_id, (role, statement)
            assert _listed(statement["Action"]) == ["kms:GenerateDataKeyWithoutPlaintext"]
        else:
            assert _listed(statement["Action"]) == ["kms:GenerateDataKey"]


def test_circuit_deployments_may_only_generate_wrapped_p256_key_pairs(templates) -> None:
    assert input_key_pair_users() == ("engine",)
    [statement] = [s for s in _key_statements(templates)
                   if s["Sid"] == "CircuitDeploymentsGenerateWrappedKeyPairs"]
    assert statement["Action"] == "kms:GenerateDataKeyPairWithoutPlaintext"
    assert statement["Condition"]["StringEquals"] == {"kms:DataKeyPairSpec": "ECC_NIST_P256"}
    assert ":role/cms-engine-" in json.dumps(statement["Condition"]["ArnEquals"])
    resources = templates["CmsApi"]["Resources"]
    variables = resources[function_logical_id("engine")]["Properties"]["Environment"][
        "Variables"]
    assert _mentions(variables["CMS_TRAINING_KEY_ID"], TRAINING_KEY)
    assert "CMS_ENCLAVE_PCR0S" in variables  # the images circuit contracts may name


# -- The training queue --------------------------------------------------------------------


@pytest.mark.parametrize(("queue", "key", "visibility"), [
    ("Training", "training", 900), ("Circuits", "circuits", 600)])
def test_the_parents_queues_are_encrypted_with_dead_letter_queues(templates, queue, key,
                                                                 visibility) -> None:
    resources = templates["CmsData"]["Resources"]
    properties = resources[f"{queue}Queue"]["Properties"]
    assert properties["SqsManagedSseEnabled"] is True
    assert properties["VisibilityTimeout"] == visibility
    assert properties["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [f"{queue}DeadLetters", "Arn"]},
        "maxReceiveCount": 5}
    assert resources[f"{queue}Queue"]["Metadata"]["cms:queue"] == {
        "key": key, "env_var": f"CMS_{key.upper()}_QUEUE_URL"}
    policies = [body["Properties"] for body in
                _resources(templates["CmsData"], "AWS::SQS::QueuePolicy").values()
                if {"Ref": f"{queue}Queue"} in body["Properties"]["Queues"]]
    [policy] = policies
    [deny] = policy["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


@pytest.mark.parametrize(("queue", "key", "sender"), [
    ("TrainingQueue", "training", "training"),  # training jobs
    ("CircuitsQueue", "circuits", "engine"),  # circuit evaluations: their own queue
])
def test_one_function_sends_to_each_of_the_parents_queues(templates, queue, key,
                                                          sender) -> None:
    senders = {(stack, role) for stack, role, statement in _policy_statements(templates)
               if "sqs:SendMessage" in _listed(statement["Action"])
               and _mentions(statement["Resource"], queue)}
    assert senders == {("CmsApi", _function_role(templates, sender))}
    assert [name for name, p in PERMISSIONS.items() if key in p.sends_to] == [sender]
    resources = templates["CmsApi"]["Resources"]
    variable = f"CMS_{key.upper()}_QUEUE_URL"
    for name in PERMISSIONS:
        variables = resources[function_logical_id(name)]["Properties"]["Environment"][
            "Variables"]
        probes = key in PERMISSIONS[name].describes_queues  # the health check's
        assert (variable in variables) == (name == sender or probes), name
    url = resources[function_logical_id(sender)]["Properties"]["Environment"]["Variables"][
        variable]
    assert _mentions(url, queue)


def test_the_training_bucket_is_a_cms_bucket_with_events(templates) -> None:
    buckets = {body["Metadata"]["cms:bucket"]["key"]: body["Properties"]
               for body in _resources(templates["CmsData"], "AWS::S3::Bucket").values()
               if "cms:bucket" in body.get("Metadata", {})}
    training = buckets["training"]
    assert training["NotificationConfiguration"]["EventBridgeConfiguration"] == {
        "EventBridgeEnabled": True}
    assert training["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"] is True


# -- The enclave image ---------------------------------------------------------------------


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for text in path.read_text(encoding="utf-8").splitlines():
        line = text.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        name, _, version = line.partition("==")
        assert version, f"{path.name}: {line!r} is not pinned with =="
        pins[name.split("[", 1)[0].strip().lower()] = version.strip()
    return pins


def _closure(roots: list[str]) -> set[str]:
    """Distributions the roots need in this (tested) environment, by their metadata."""
    from packaging.markers import default_environment
    from packaging.requirements import Requirement

    environment = {**default_environment(), "extra": ""}
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop().lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        for text in metadata.distribution(name).requires or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate(environment):
                pending.append(requirement.name)
    return seen


# What enclave_app imports (the next test holds it to this list).
ENCLAVE_DIRECT = ["torch", "opacus", "mlxtend", "numpy", "cbor2", "cryptography", "rfc8785"]


def test_enclave_pins_match_the_tested_environment() -> None:
    enclave = _pins(ENCLAVE_APP / "requirements-enclave.txt")
    project = {**_pins(REPO_ROOT / "requirements.txt"),
               **_pins(REPO_ROOT / "requirements-dev.txt")}
    for name in ENCLAVE_DIRECT:
        assert name in enclave, name
        expected = project.get(name) or metadata.version(name).split("+", 1)[0]
        assert enclave[name] == expected, name
    assert (enclave["torch"], enclave["opacus"], enclave["mlxtend"]) == (
        "2.13.0", "1.6.0", "0.25.0")
    # --no-deps install: every distribution the enclave needs must be pinned.
    missing = _closure(ENCLAVE_DIRECT) - set(enclave)
    assert not missing, f"pin these in requirements-enclave.txt: {sorted(missing)}"


def test_the_enclave_app_imports_only_what_the_image_installs() -> None:
    imported = set()
    for path in [*ENCLAVE_APP.rglob("*.py"), *WIRE_FORMATS.rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"enclave_app", "cms_wire",
                                                              "__future__"}
    assert "cms" not in third_party  # the enclave carries none of the platform's code
    assert third_party <= set(ENCLAVE_DIRECT), third_party - set(ENCLAVE_DIRECT)


def test_dockerfile_builds_the_pinned_cpu_image_of_the_enclave_app() -> None:
    dockerfile = (ENCLAVE_APP / "Dockerfile").read_text(encoding="utf-8")
    instructions = [line.strip() for line in dockerfile.splitlines()
                    if line.strip() and not line.lstrip().startswith("#")]
    # The base image: an exact Python patch release (or a digest), never a moving tag.
    [base] = [line for line in instructions if line.startswith("ARG PYTHON_IMAGE=")]
    image = base.split("=", 1)[1]
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", image), image
    stages = [line for line in instructions if line.startswith("FROM ")]
    assert len(stages) >= 2 and all("${PYTHON_IMAGE}" in stage for stage in stages)
    # torch alone from the CPU index, the rest of the pinned closure with --no-deps.
    assert "--index-url https://download.pytorch.org/whl/cpu" in dockerfile
    assert "--no-deps -r /tmp/rest.txt" in dockerfile
    assert "COPY enclave_app/requirements-enclave.txt" in dockerfile
    # Only the enclave app and the wire formats go in, each by name, run as a module.
    assert "COPY enclave_app /src/enclave_app/" in instructions
    assert "COPY cms_wire /src/cms_wire/" in instructions
    assert "COPY --from=source /src/enclave_app /app/enclave_app" in instructions
    assert "COPY --from=source /src/cms_wire /app/cms_wire" in instructions
    assert not any(line.startswith("COPY . ") for line in instructions)
    # The context is the repository root: its ignore file sends only those two packages.
    ignore = (ENCLAVE_APP / "Dockerfile.dockerignore").read_text(encoding="utf-8")
    rules = [line for line in ignore.splitlines() if line and not line.startswith("#")]
    assert rules[:3] == ["*", "!enclave_app", "!cms_wire"]
    assert not any(line.startswith(("ADD ", "COPY ../")) for line in instructions)
    [entrypoint] = [line for line in instructions if line.startswith("ENTRYPOINT")]
    assert json.loads(entrypoint.removeprefix("ENTRYPOINT").strip()) == [
        "python", "-m", "enclave_app", "--listen", "vsock://4294967295:5005"]
