"""CmsObservability: one dashboard, the API 5xx-rate alarm, per-function error alarms, and the
dependencies' alarms (anchoring lag, the ledger signer's balance, bursts of failed sign-ins,
silent enclave parents, dead letters).

Alarms notify an SNS topic encrypted with the data key (context ``alarm_email`` subscribes an
address). Powertools metrics (namespace ContractManagement) come from the functions via EMF and
need no resources here.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cdk.api_stack import ApiStack
from cdk.context import DeployContext
from cdk.data_stack import DataStack, pascal
from cdk.enclave_stack import EnclaveStack

PERIOD = Duration.minutes(5)
NAMESPACE = "ContractManagement"  # Powertools metrics (POWERTOOLS_METRICS_NAMESPACE)
WIDGET_WIDTH = 8  # three widgets to a 24-column dashboard row
API_WIDGET_WIDTH = 6  # the API row has four
WIDGET_HEIGHT = 6


class ObservabilityStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data: DataStack,
        api: ApiStack,
        deploy: DeployContext,
        enclave: EnclaveStack | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.data = data
        self.api = api
        self.enclave = enclave
        self.topic = self._topic(data, deploy)
        action = cloudwatch_actions.SnsAction(self.topic)
        self.api_5xx_alarm = self._api_5xx_alarm(deploy.api_5xx_rate_threshold_percent)
        self.api_5xx_alarm.add_alarm_action(action)
        self.function_alarms = {
            name: self._function_error_alarm(name, function)
            for name, function in sorted(api.functions.items())
        }
        for alarm in self.function_alarms.values():
            alarm.add_alarm_action(action)
        self.anchoring_lag_alarm = self._anchoring_lag_alarm()
        self.anchoring_lag_alarm.add_alarm_action(action)
        self.dependency_alarms = self._dependency_alarms(deploy)
        for alarm in self.dependency_alarms.values():
            alarm.add_alarm_action(action)
        self.dashboard = self._dashboard()

    def _topic(self, data: DataStack, deploy: DeployContext) -> sns.Topic:
        topic = sns.Topic(
            self,
            "AlarmTopic",
            display_name="CMS alarms",
            master_key=data.key,
            enforce_ssl=True,
        )
        if deploy.alarm_email:
            topic.add_subscription(subscriptions.EmailSubscription(deploy.alarm_email))
        return topic

    # -- Metrics ----------------------------------------------------------------------------

    def _api_5xx_rate(self) -> cloudwatch.MathExpression:
        rest_api = self.api.rest_api
        return cloudwatch.MathExpression(
            expression="IF(requests > 0, 100 * errors / requests, 0)",
            using_metrics={
                "errors": rest_api.metric_server_error(period=PERIOD, statistic="Sum"),
                "requests": rest_api.metric_count(period=PERIOD, statistic="Sum"),
            },
            label="API 5XX rate (%)",
            period=PERIOD,
        )

    def _api_5xx_alarm(self, threshold_percent: float) -> cloudwatch.Alarm:
        return cloudwatch.Alarm(
            self,
            "Api5xxRateAlarm",
            alarm_description=(
                f"More than {threshold_percent:g}% of API requests failed with 5XX over 5 minutes"
            ),
            metric=self._api_5xx_rate(),
            threshold=threshold_percent,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            # No traffic is not an outage.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )

    def _function_error_alarm(self, name: str, function: lambda_.Function) -> cloudwatch.Alarm:
        # Handlers turn expected failures into problem responses, so any Lambda error is a
        # crash or a timeout and worth a notification.
        return cloudwatch.Alarm(
            self,
            f"{pascal(name)}ErrorsAlarm",
            alarm_description=f"The CMS {name} function failed (unhandled error or timeout)",
            metric=function.metric_errors(period=PERIOD, statistic="Sum"),
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )

    def _anchoring_lag_alarm(self) -> cloudwatch.Alarm:
        # The anchor function reports the age of the oldest un-anchored event every run; no
        # report at all (function broken or not scheduled) is lag too.
        return cloudwatch.Alarm(
            self,
            "AnchoringLagAlarm",
            alarm_description="Audit events wait too long for their on-chain anchor",
            metric=cloudwatch.Metric(
                namespace="ContractManagement",
                metric_name="UnanchoredAgeSeconds",
                dimensions_map={"service": "anchor"},
                period=PERIOD,
                statistic="Maximum",
            ),
            threshold=900,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=3,
            treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
        )

    def _dependency_alarms(self, deploy: DeployContext) -> dict[str, cloudwatch.Alarm]:
        alarms = {
            "signer_balance": self._signer_balance_alarm(deploy.ledger_min_signer_balance_wei),
            "signin_failures": self._signin_failures_alarm(
                deploy.signin_failures_alarm_per_minute),
            **{f"{name}_dead_letters": self._dead_letters_alarm(
                f"{pascal(name)}DeadLettersAlarm", f"the {name} queue", queue)
               for name, queue in sorted({**self.data.queues, **self.api.queues}.items())},
        }
        if self.enclave is not None and self.enclave.runs_parents:
            alarms["enclave_parents"] = self._silent_parents_alarm(self.enclave.heartbeat_metric)
        return alarms

    def _signer_balance_alarm(self, minimum_wei: int) -> cloudwatch.Alarm:
        # The anchor function reports the balance every run. No report is not a low balance:
        # the lag alarm already fires when anchoring stops.
        return cloudwatch.Alarm(
            self,
            "SignerBalanceLowAlarm",
            alarm_description=(f"The ledger signer's balance is below {minimum_wei} wei: fund "
                               "its address (GET /api/v1/ledger/status) before anchoring "
                               "stops"),
            metric=cloudwatch.Metric(
                namespace=NAMESPACE, metric_name="SignerBalanceWei",
                dimensions_map={"service": "anchor"}, period=PERIOD, statistic="Minimum"),
            threshold=float(minimum_wei),
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )

    def _signin_failures_alarm(self, per_minute: int) -> cloudwatch.Alarm:
        # The auth service counts every refused challenge or verification (a bad signature,
        # an unknown or suspended DID, a used or expired challenge, a throttled attempt).
        return cloudwatch.Alarm(
            self,
            "SignInFailuresAlarm",
            alarm_description=(f"At least {per_minute} sign-in attempts failed within a "
                               "minute: credential guessing or an outage of sign-in"),
            metric=cloudwatch.Metric(
                namespace=NAMESPACE, metric_name="SignInFailures",
                dimensions_map={"service": "auth"}, period=Duration.minutes(1),
                statistic="Sum"),
            threshold=per_minute,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )

    def _dead_letters_alarm(self, construct_id: str, what: str,
                            queue: sqs.IQueue) -> cloudwatch.Alarm:
        dead_letters = queue.dead_letter_queue.queue  # type: ignore[attr-defined]
        return cloudwatch.Alarm(
            self,
            construct_id,
            alarm_description=f"Messages of {what} failed every attempt and wait in its "
                              "dead-letter queue for inspection or redrive",
            metric=dead_letters.metric_approximate_number_of_messages_visible(
                period=PERIOD, statistic="Maximum"),
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )

    def _silent_parents_alarm(self, heartbeats: cloudwatch.Metric) -> cloudwatch.Alarm:
        # Parents log a beat every 30 s; ten minutes without one from a parent whose enclave
        # answers (a rolling update replaces one instance in a few minutes) means training
        # jobs wait. No data at all is the same silence.
        return cloudwatch.Alarm(
            self,
            "EnclaveParentsSilentAlarm",
            alarm_description="No enclave parent with an answering enclave has reported for "
                              "10 minutes: training jobs and circuit evaluations wait",
            metric=heartbeats,
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=2,
            treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
        )

    # -- Dashboard --------------------------------------------------------------------------

    def _dashboard(self) -> cloudwatch.Dashboard:
        dashboard = cloudwatch.Dashboard(self, "Dashboard", default_interval=Duration.hours(3))
        dashboard.add_widgets(*self._api_widgets())
        dashboard.add_widgets(*self._function_widgets())
        dashboard.add_widgets(*self._table_widgets())
        return dashboard

    def _api_widgets(self) -> list[cloudwatch.IWidget]:
        rest_api = self.api.rest_api
        return [
            _graph(
                "API requests",
                [rest_api.metric_count(period=PERIOD, statistic="Sum")],
                width=API_WIDGET_WIDTH,
            ),
            _graph(
                "API errors",
                [
                    rest_api.metric_client_error(period=PERIOD, statistic="Sum", label="4XX"),
                    rest_api.metric_server_error(period=PERIOD, statistic="Sum", label="5XX"),
                ],
                width=API_WIDGET_WIDTH,
            ),
            _graph(
                "API latency (ms)",
                [
                    rest_api.metric_latency(period=PERIOD, statistic="p50", label="p50"),
                    rest_api.metric_latency(period=PERIOD, statistic="p99", label="p99"),
                ],
                width=API_WIDGET_WIDTH,
            ),
            cloudwatch.AlarmWidget(
                title="API 5XX rate (%)",
                alarm=self.api_5xx_alarm,
                width=API_WIDGET_WIDTH,
                height=WIDGET_HEIGHT,
            ),
        ]

    def _function_widgets(self) -> list[cloudwatch.IWidget]:
        functions = sorted(self.api.functions.items())
        return [
            _graph(
                "Lambda errors",
                [f.metric_errors(period=PERIOD, statistic="Sum", label=n) for n, f in functions],
            ),
            _graph(
                "Lambda duration p99 (ms)",
                [f.metric_duration(period=PERIOD, statistic="p99", label=n) for n, f in functions],
            ),
            _graph(
                "Lambda throttles",
                [f.metric_throttles(period=PERIOD, statistic="Sum", label=n) for n, f in functions],
            ),
        ]

    def _table_widgets(self) -> list[cloudwatch.IWidget]:
        metrics: list[cloudwatch.IMetric] = []
        for key, table in sorted(self.data.tables.items()):
            for metric_name, kind in (
                ("ReadThrottleEvents", "read"),
                ("WriteThrottleEvents", "write"),
            ):
                metrics.append(
                    table.metric(metric_name, period=PERIOD, statistic="Sum", label=f"{key} {kind}")
                )
        return [_graph("DynamoDB throttled requests", metrics, width=3 * WIDGET_WIDTH)]


def _graph(
    title: str, metrics: list[cloudwatch.IMetric], *, width: int = WIDGET_WIDTH
) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=metrics, width=width, height=WIDGET_HEIGHT)
