"""Health in the templates: each probe's permission (metadata only, nothing more) beside the
function's definition, the heartbeats each writer may put into its own partition alone, and the
alarms on the dependencies (the signer's balance, bursts of failed sign-ins, silent enclave
parents, dead letters), with their thresholds from context."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from cdk.api_stack import function_logical_id
from cdk.enclave_stack import HEARTBEAT_METRIC, EnclaveStack
from cms.adapters.object_store import BUCKET_SPECS
from cms.adapters.tables import TABLE_SPECS
from functions.registry import FUNCTIONS

pytestmark = pytest.mark.infra

PARENT_ROLE = EnclaveStack.parent_role_logical_id
WRITE_ACTIONS = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                 "dynamodb:BatchWriteItem"}


@pytest.fixture(scope="module")
def tuned() -> dict[str, dict]:
    """Thresholds from context, and an enclave image (so parents are expected to run)."""
    from cdk.synth import DEFAULT_OUTDIR, synthesize
    from tests.infra.test_infra_enclave import FAKE_EIF

    FAKE_EIF.parent.mkdir(parents=True, exist_ok=True)
    FAKE_EIF.write_bytes(b"a stand-in for an EIF built by nitro-cli (infra tests only)\n")
    return synthesize(DEFAULT_OUTDIR.with_name("cdk.out-health-test"), layer_dependencies=False,
                      context={"ledger_min_signer_balance_wei": "250000000000000000",
                               "signin_failures_alarm_per_minute": 40,
                               "enclave_eif": str(FAKE_EIF)})


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(templates: dict[str, dict], stack: str, role: str) -> list[dict[str, Any]]:
    return [statement
            for resource in templates[stack]["Resources"].values()
            if resource["Type"] == "AWS::IAM::Policy"
            and {"Ref": role} in resource["Properties"]["Roles"]
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]]


def _function_statements(templates: dict[str, dict], name: str) -> list[dict[str, Any]]:
    function = templates["CmsApi"]["Resources"][function_logical_id(name)]
    return _statements(templates, "CmsApi", function["Properties"]["Role"]["Fn::GetAtt"][0])


def _on(statements: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    return [s for s in statements if any(a.startswith(prefix) for a in _listed(s["Action"]))]


def _variables(templates: dict[str, dict], name: str) -> dict[str, Any]:
    function = templates["CmsApi"]["Resources"][function_logical_id(name)]
    return function["Properties"]["Environment"]["Variables"]


# -- The health function's probes --------------------------------------------------------


def test_the_health_function_may_read_metadata_and_heartbeats_only(templates) -> None:
    statements = _function_statements(templates, "meta")
    # The admins' details take a token from the caller's bucket, as every authenticated route.
    dynamodb = [s for s in _on(statements, "dynamodb:")
                if "RateLimitsTable" not in json.dumps(s["Resource"])]
    actions = {a for s in dynamodb for a in _listed(s["Action"])}
    assert actions == {"dynamodb:DescribeTable", "dynamodb:Query"}
    [query] = [s for s in dynamodb if "dynamodb:Query" in _listed(s["Action"])]
    assert "HeartbeatsTable" in json.dumps(query["Resource"])  # the heartbeats, nothing else
    described = json.dumps([s["Resource"] for s in dynamodb])
    assert all(f"{spec.key.title().replace('_', '')}Table" in described for spec in TABLE_SPECS
               if spec.key != "rate_limits")
    [s3] = _on(statements, "s3:")
    assert _listed(s3["Action"]) == ["s3:GetBucketVersioning"]
    buckets = [json.dumps(resource) for resource in _listed(s3["Resource"])]
    assert len(buckets) == len(BUCKET_SPECS) and all("/" not in b.split("s3:::")[1]
                                                     for b in buckets)  # no object, no prefix
    [sqs] = _on(statements, "sqs:")
    assert _listed(sqs["Action"]) == ["sqs:GetQueueAttributes"]
    assert len(_listed(sqs["Resource"])) == 3  # the training, circuits and deliveries queues
    [events] = _on(statements, "events:")
    assert _listed(events["Action"]) == ["events:DescribeEventBus"]
    assert "event-bus/cms-events" in json.dumps(events["Resource"])
    assert not _on(statements, "lambda:") and not _on(statements, "states:")
    secrets = [json.dumps(s["Resource"]) for s in _on(statements, "secretsmanager:")]
    assert len(secrets) == 1 and "JwtSigningKey" in secrets[0]  # never the ledger signer's


def test_the_health_function_is_told_the_names_of_what_it_probes(templates) -> None:
    variables = _variables(templates, "meta")
    for spec in (*TABLE_SPECS, *BUCKET_SPECS):
        assert spec.env_var in variables, spec.env_var
    assert {"CMS_TRAINING_QUEUE_URL", "CMS_CIRCUITS_QUEUE_URL", "CMS_DELIVERIES_QUEUE_URL",
            "CMS_LEDGER_PARAMETER", "CMS_EVENT_BUS_NAME"} <= set(variables)
    assert "CMS_LEDGER_SIGNER_SECRET_ID" not in variables


# -- Heartbeats ---------------------------------------------------------------------------


def _heartbeat_writes(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for s in _on(statements, "dynamodb:")
            if "HeartbeatsTable" in json.dumps(s["Resource"])
            and set(_listed(s["Action"])) & WRITE_ACTIONS]


@pytest.mark.parametrize(("writer", "component"), [("anchor", "anchor"),
                                                   ("parent", "enclave-parent")])
def test_each_heartbeat_writer_may_put_into_its_own_partition_only(templates, writer,
                                                                   component) -> None:
    statements = (_statements(templates, "CmsEnclave", PARENT_ROLE) if writer == "parent"
                  else _function_statements(templates, writer))
    [write] = _heartbeat_writes(statements)
    assert _listed(write["Action"]) == ["dynamodb:PutItem"]
    assert write["Condition"] == {
        "ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [component]}}


def test_no_other_function_touches_the_heartbeats(templates) -> None:
    for spec in FUNCTIONS:
        if spec.name in ("anchor", "meta"):
            continue
        heartbeats = [s for s in _function_statements(templates, spec.name)
                      if "HeartbeatsTable" in json.dumps(s["Resource"])]
        assert heartbeats == [], spec.name


def test_the_writers_are_told_the_heartbeats_table(templates) -> None:
    assert "CMS_HEARTBEATS_TABLE" in _variables(templates, "anchor")
    launch = templates["CmsEnclave"]["Resources"][EnclaveStack.launch_template_logical_id]
    assert "CMS_HEARTBEATS_TABLE=" in json.dumps(launch)


# -- Alarms -------------------------------------------------------------------------------


def _alarm(templates: dict[str, dict], metric: str) -> dict[str, Any]:
    [alarm] = [r["Properties"] for r in templates["CmsObservability"]["Resources"].values()
               if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"].get("MetricName")
               == metric]
    return alarm


def test_a_low_signer_balance_alarms_at_the_threshold_the_health_check_uses(templates) -> None:
    alarm = _alarm(templates, "SignerBalanceWei")
    assert (alarm["Namespace"], alarm["Dimensions"], alarm["Statistic"]) == (
        "ContractManagement", [{"Name": "service", "Value": "anchor"}], "Minimum")
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("LessThanThreshold", 10**17)
    assert len(alarm["AlarmActions"]) == 1
    for spec in FUNCTIONS:
        assert _variables(templates, spec.name)["CMS_LEDGER_MIN_SIGNER_BALANCE_WEI"] == str(
            10**17)


def test_bursts_of_failed_sign_ins_alarm_on_a_rate(templates) -> None:
    alarm = _alarm(templates, "SignInFailures")
    assert (alarm["Dimensions"], alarm["Statistic"], alarm["Period"]) == (
        [{"Name": "service", "Value": "auth"}], "Sum", 60)
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == (
        "GreaterThanOrEqualToThreshold", 100)
    assert alarm["TreatMissingData"] == "notBreaching" and len(alarm["AlarmActions"]) == 1


def test_thresholds_come_from_context(tuned) -> None:
    assert _alarm(tuned, "SignerBalanceWei")["Threshold"] == 25 * 10**16
    assert _alarm(tuned, "SignInFailures")["Threshold"] == 40
    meta = _variables(tuned, "meta")
    assert meta["CMS_LEDGER_MIN_SIGNER_BALANCE_WEI"] == "250000000000000000"


def test_dead_letters_of_the_probed_queues_alarm(observability_template) -> None:
    alarms = observability_template.find_resources("AWS::CloudWatch::Alarm", {"Properties": {
        "MetricName": "ApproximateNumberOfMessagesVisible", "Namespace": "AWS/SQS"}})
    queues = " ".join(json.dumps(a["Properties"]["Dimensions"]) for a in alarms.values())
    assert len(alarms) == 3
    for dead_letters in ("TrainingDeadLetters", "CircuitsDeadLetters", "DeliveriesDeadLetters"):
        assert dead_letters in queues
    for alarm in alarms.values():
        assert alarm["Properties"]["Threshold"] == 1


def test_silent_enclave_parents_alarm_only_where_parents_run(templates, tuned) -> None:
    assert not [r for r in templates["CmsObservability"]["Resources"].values()
                if r["Type"] == "AWS::CloudWatch::Alarm"
                and r["Properties"].get("MetricName") == HEARTBEAT_METRIC]
    alarm = _alarm(tuned, HEARTBEAT_METRIC)
    assert (alarm["ComparisonOperator"], alarm["Threshold"], alarm["Statistic"],
            alarm["EvaluationPeriods"], alarm["TreatMissingData"]) == (
        "LessThanThreshold", 1, "Sum", 2, "breaching")
    Template.from_json(tuned["CmsEnclave"]).has_resource_properties(
        "AWS::Logs::MetricFilter", {
            "FilterPattern": '"heartbeat" "enclave=ok"',
            "MetricTransformations": [Match.object_like({
                "MetricName": HEARTBEAT_METRIC, "MetricNamespace": "ContractManagement",
                "MetricValue": "1"})]})


@pytest.mark.parametrize(("context", "message"), [
    ({"ledger_min_signer_balance_wei": "0.1"}, "whole number of wei"),
    ({"ledger_min_signer_balance_wei": -5}, "whole number of wei"),
    ({"signin_failures_alarm_per_minute": 0}, "at least 1"),
])
def test_bad_thresholds_fail_synthesis(context, message) -> None:
    from aws_cdk import App

    from cdk.context import DeployContext

    with pytest.raises(ValueError, match=message):
        DeployContext.from_node(App(context=context).node)
