"""CmsObservability: dashboard, the API 5xx-rate alarm, per-function error alarms, topic."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match

from cdk.api_stack import REST_API_NAME
from functions.registry import FUNCTIONS

pytestmark = pytest.mark.infra


def test_api_5xx_rate_alarm_uses_metric_math_over_five_minutes(observability_template) -> None:
    alarms = observability_template.find_resources(
        "AWS::CloudWatch::Alarm", {"Properties": {"Metrics": Match.any_value()}}
    )
    (alarm,) = alarms.values()
    properties = alarm["Properties"]
    assert properties["Threshold"] == 1
    assert properties["ComparisonOperator"] == "GreaterThanThreshold"
    assert properties["EvaluationPeriods"] == 1
    expression = next(m for m in properties["Metrics"] if "Expression" in m)
    assert "errors / requests" in expression["Expression"]
    stats = {
        m["MetricStat"]["Metric"]["MetricName"]: m["MetricStat"]
        for m in properties["Metrics"]
        if "MetricStat" in m
    }
    assert set(stats) == {"5XXError", "Count"}
    for stat in stats.values():
        assert stat["Period"] == 300
        assert stat["Stat"] == "Sum"
        assert stat["Metric"]["Dimensions"] == [{"Name": "ApiName", "Value": REST_API_NAME}]
    assert len(properties["AlarmActions"]) == 1


def test_every_function_has_an_error_alarm(observability_template) -> None:
    alarms = observability_template.find_resources(
        "AWS::CloudWatch::Alarm",
        {"Properties": {"MetricName": "Errors", "Namespace": "AWS/Lambda"}},
    )
    assert len(alarms) == len(FUNCTIONS)
    for alarm in alarms.values():
        assert alarm["Properties"]["Threshold"] == 1
        assert len(alarm["Properties"]["AlarmActions"]) == 1


def test_alarm_topic_is_encrypted_and_requires_tls(observability_template) -> None:
    observability_template.has_resource_properties(
        "AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::ImportValue": Match.any_value()}}
    )
    observability_template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_dashboard_shows_api_functions_and_tables(templates) -> None:
    resources = templates["CmsObservability"]["Resources"]
    (dashboard,) = [r for r in resources.values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    # The body is a Fn::Join of literal JSON pieces and references; the literals suffice here.
    pieces = dashboard["Properties"]["DashboardBody"]["Fn::Join"][1]
    body = "".join(piece if isinstance(piece, str) else "0" for piece in pieces)
    widgets = json.loads(body)["widgets"]
    titles = {widget["properties"].get("title") for widget in widgets}
    assert {
        "API requests",
        "API errors",
        "API latency (ms)",
        "Lambda errors",
        "Lambda duration p99 (ms)",
        "Lambda throttles",
        "DynamoDB throttled requests",
    } <= titles
    latency = next(w for w in widgets if w["properties"].get("title") == "API latency (ms)")
    stats = {metric[-1]["stat"] for metric in latency["properties"]["metrics"]}
    assert stats == {"p50", "p99"}


def test_an_alarm_fires_on_anchoring_lag(observability_template) -> None:
    observability_template.has_resource_properties("AWS::CloudWatch::Alarm", {
        "MetricName": "UnanchoredAgeSeconds",
        "Namespace": "ContractManagement",
        "Dimensions": [{"Name": "service", "Value": "anchor"}],
        "Statistic": "Maximum",
        "Threshold": 900,
        "TreatMissingData": "breaching",
    })
