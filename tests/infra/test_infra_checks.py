"""cfn-lint on every template, and the cdk-nag AwsSolutions acknowledgements."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cdk.app import STACK_NAMES

pytestmark = pytest.mark.infra

# W3005 (redundant DependsOn) is how CDK writes dependencies; nothing to fix in our code.
IGNORED_LINT_RULES = {"W3005"}

# Every finding the app accepts, so a new acknowledgement cannot slip in unnoticed.
ACKNOWLEDGED_RULES = {
    "AwsSolutions-SMG4",
    "AwsSolutions-L1",
    "AwsSolutions-IAM5[Resource::*]",
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
    "AmazonAPIGatewayPushToCloudWatchLogs]",
    "AwsSolutions-APIG2",
    "AwsSolutions-APIG3",
    "AwsSolutions-APIG4",
    "AwsSolutions-COG4",
    # The access-log bucket does not log into itself.
    "AwsSolutions-S1",
    # Objects are keyed at run time under each bucket's one prefix.
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cms-templates-<AWS::AccountId>-"
    "<AWS::Region>/templates/*]",
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cms-documents-<AWS::AccountId>-"
    "<AWS::Region>/contracts/*]",
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cms-training-<AWS::AccountId>-"
    "<AWS::Region>/training/*]",
    # One schedule per contract and purpose, in the lifecycle's own group.
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:"
    "<AWS::AccountId>:schedule/cms-lifecycle/*]",
    # grant_invoke covers the lifecycle function's versions and aliases.
    "AwsSolutions-IAM5[Resource::<LifecycleFunction.Arn>:*]",
    # Dead-letter queues have no dead-letter queue of their own.
    "AwsSolutions-SQS3",
    # The enclave parent: Session Manager's agent policy (no SSH), a fixed-size group.
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]",
    "AwsSolutions-AS3",
    # Acknowledged by aws-cdk-lib's own VPC constructs (CmsEnclave), not by this app: AZs come
    # from stack.availabilityZones; FlowLog DestinationOptions are camelCase in CloudFormation.
    "CloudFormation-Validate::W3010",
    "CloudFormation-Validate::F3002",
    "CloudFormation-Validate::F3003",
    # CmsWeb: the distribution (no geo restriction, no WAF, and without web_domain the
    # *.cloudfront.net certificate) and the web logs bucket (S1 above).
    "AwsSolutions-CFR1",
    "AwsSolutions-CFR2",
    "AwsSolutions-CFR4",
    # aws-cdk-lib's BucketDeployment function, which copies the build into the web bucket.
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
    "AWSLambdaBasicExecutionRole]",
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-"
    "<AWS::AccountId>-<AWS::Region>/*]",
    "AwsSolutions-IAM5[Resource::<WebBucket.Arn>/*]",
    "AwsSolutions-IAM5[Action::s3:GetObject*]",
    "AwsSolutions-IAM5[Action::s3:GetBucket*]",
    "AwsSolutions-IAM5[Action::s3:List*]",
    "AwsSolutions-IAM5[Action::s3:DeleteObject*]",
    "AwsSolutions-IAM5[Action::s3:Abort*]",
}


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_cfn_lint_finds_nothing(templates: dict[str, dict], stack: str) -> None:
    from cfnlint.api import lint

    matches = [m for m in lint(json.dumps(templates[stack])) if m.rule.id not in IGNORED_LINT_RULES]
    assert not matches, "\n".join(str(match) for match in matches)


def _acknowledgements(templates: dict[str, dict]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (stack, logical_id, rule)
        for stack, template in templates.items()
        for logical_id, resource in template["Resources"].items()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]


def test_every_acknowledgement_is_expected_and_has_a_specific_reason(templates) -> None:
    acknowledgements = _acknowledgements(templates)
    assert {rule["id"] for _, _, rule in acknowledgements} == ACKNOWLEDGED_RULES
    for stack, logical_id, rule in acknowledgements:
        assert len(rule["reason"]) >= 60, (stack, logical_id, rule)


def test_authorized_methods_are_not_acknowledged_as_public(templates) -> None:
    resources = templates["CmsApi"]["Resources"]
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::ApiGateway::Method":
            continue
        rules = resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
        if resource["Properties"]["AuthorizationType"] == "CUSTOM":
            assert "AwsSolutions-APIG4" not in {rule["id"] for rule in rules}, logical_id


def test_nag_checks_fail_synthesis_on_an_unacknowledged_finding(tmp_path) -> None:
    """The wiring in cdk.nag really blocks synthesis (the app's own synth passing proves
    nothing if the checks were never registered)."""
    from aws_cdk import App, Stack
    from aws_cdk import aws_sqs as sqs

    from cdk.nag import acknowledge, add_checks

    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Probe")
    queue = sqs.Queue(stack, "Queue", enforce_ssl=True)
    acknowledge(queue, "AwsSolutions-SQS3", "The probe queue is itself the dead-letter queue here.")
    add_checks(app)
    sqs.Queue(stack, "Plain")  # no TLS policy, no DLQ: must be reported
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    flagged = {
        (violation["ruleName"], construct["constructPath"])
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    }
    assert ("AwsSolutions-SQS4", "Probe/Plain/Resource") in flagged
    assert not any(path == "Probe/Queue/Resource" for _, path in flagged)
