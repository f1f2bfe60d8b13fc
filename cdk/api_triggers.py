"""CmsApi's triggers: schedules, queues and their event sources, the bus's rules, the audit
table's stream and S3 object events, each delivering to its function."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs

from cdk.data_stack import bucket_name, pascal
from cdk.nag import acknowledge
from functions.registry import FunctionSpec


class TriggersMixin:
    """What invokes the ApiStack's functions besides the REST API (methods of the stack)."""

    def _schedules(self, function_specs: Sequence[FunctionSpec]) -> None:
        for spec in function_specs:
            if spec.schedule is None:
                continue
            events.Rule(
                self,
                f"{pascal(spec.name)}Schedule",
                description=f"Runs the CMS {spec.name} function: {spec.description}",
                schedule=events.Schedule.expression(spec.schedule),
                targets=[
                    targets.LambdaFunction(
                        self.functions[spec.name],
                        retry_attempts=2,
                        max_event_age=Duration.minutes(5),
                    )
                ],
            )

    # -- Queues and the bus ---------------------------------------------------------------

    def _queue(self, name: str) -> sqs.Queue:
        dead_letters = sqs.Queue(self, f"{pascal(name)}DeadLetters",
                                 encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
                                 retention_period=Duration.days(14))
        acknowledge(dead_letters, "AwsSolutions-SQS3",
                    f"This is the dead-letter queue of the {name} queue: messages that failed "
                    "five receives wait here (14 days) for inspection or redrive.")
        return sqs.Queue(self, f"{pascal(name)}Queue",
                         encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
                         visibility_timeout=Duration.minutes(10),
                         dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters,
                                                               max_receive_count=5))

    def _queue_sources(self, function_specs: Sequence[FunctionSpec]) -> None:
        for spec in function_specs:
            if spec.queue is not None:
                self.functions[spec.name].add_event_source(sources.SqsEventSource(
                    self.queues[spec.queue], batch_size=5, report_batch_item_failures=True))

    def _bus_rules(self, function_specs: Sequence[FunctionSpec]) -> None:
        for spec in function_specs:
            if not spec.bus_events:
                continue
            dead_letters = sqs.Queue(self, f"{pascal(spec.name)}BusFailures",
                                     encryption=sqs.QueueEncryption.SQS_MANAGED,
                                     enforce_ssl=True, retention_period=Duration.days(14))
            acknowledge(dead_letters, "AwsSolutions-SQS3",
                        "This queue is itself the dead-letter queue of a bus rule's target.")
            events.Rule(
                self, f"{pascal(spec.name)}BusEvents", event_bus=self.lifecycle.bus,
                description=f"Every contract lifecycle event → {spec.name}",
                event_pattern=events.EventPattern(source=["cms.contracts"]),
                targets=[targets.LambdaFunction(
                    self.functions[spec.name], retry_attempts=8,
                    max_event_age=Duration.hours(6), dead_letter_queue=dead_letters)])

    # -- DynamoDB streams -----------------------------------------------------------------

    def _table_streams(self, function_specs: Sequence[FunctionSpec]) -> None:
        for spec in function_specs:
            if spec.table_stream is None:
                continue
            dead_letters = sqs.Queue(
                self, f"{pascal(spec.name)}StreamFailures",
                encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
                retention_period=Duration.days(14))
            acknowledge(dead_letters, "AwsSolutions-SQS3",
                        "This queue is itself the on-failure destination of the stream's "
                        "event source mapping: records that failed every retry land here.")
            self.functions[spec.name].add_event_source(sources.DynamoEventSource(
                self.data.tables[spec.table_stream],
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=25, bisect_batch_on_error=True, retry_attempts=10,
                max_record_age=Duration.days(1), parallelization_factor=1,
                filters=[lambda_.FilterCriteria.filter(
                    {"eventName": lambda_.FilterRule.is_equal("INSERT")})],
                on_failure=sources.SqsDlq(dead_letters)))

    # -- S3 object events (through EventBridge) -------------------------------------------

    def _object_event_rules(self, function_specs: Sequence[FunctionSpec]) -> None:
        for spec in function_specs:
            if not spec.object_events:
                continue
            # One bucket key, or several (one rule matching all of them).
            keys = ((spec.object_events,) if isinstance(spec.object_events, str)
                    else tuple(spec.object_events))
            names = [bucket_name(b) for key in keys
                     for b in self.data.bucket_specs if b.key == key]
            if len(names) != len(keys):
                raise ValueError(f"{spec.name}: object_events names an unknown bucket {keys}")
            events.Rule(
                self,
                f"{pascal(spec.name)}ObjectEvents",
                description=f"Object Created in the {', '.join(keys)} bucket(s) → {spec.name}",
                event_pattern=events.EventPattern(
                    source=["aws.s3"],
                    detail_type=["Object Created"],
                    detail={"bucket": {"name": names}},
                ),
                targets=[
                    targets.LambdaFunction(
                        self.functions[spec.name],
                        retry_attempts=8,
                        max_event_age=Duration.hours(6),
                    )
                ],
            )
