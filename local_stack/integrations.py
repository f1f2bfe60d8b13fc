"""What AWS would deliver to the functions and moto does not: Lambda invocations from Step
Functions, DynamoDB stream and SQS event source mappings, and EventBridge Scheduler's
one-time schedules. Each is read from the synthesized template, like everything else here.
"""

from __future__ import annotations

import json
import threading
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3

from local_stack.template import ACCOUNT, REGION, Templates

Log = Callable[[str], Any]
POLL_S = 0.2
MAX_RECEIVES = 3  # deliveries of one SQS message before it is dropped (a redrive would be)
STATE_MACHINE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/local-state-machine"


def function_arn(logical_id: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{logical_id}"


class Dispatch:
    """Finds the local function an ARN or name means (logical id or service name)."""

    def __init__(self, functions: dict[tuple[str, str], Any]) -> None:
        self._by_name = {}
        for (_, logical_id), function in functions.items():
            self._by_name[logical_id] = function
            self._by_name[function.name] = function

    def __call__(self, name_or_arn: str) -> Any:
        return self._by_name[name_or_arn.rsplit(":", 1)[-1].rsplit("/", maxsplit=1)[-1]]


def route_lambda_invocations(dispatch: Dispatch) -> None:
    """moto runs Lambda code only in Docker: its Lambda API's invoke (what Step Functions'
    Lambda tasks call) is pointed at the local functions instead. Errors come back as
    Lambda reports them (FunctionError Unhandled, errorType), so Retry and Catch work."""
    from moto.awslambda.models import LambdaBackend

    def invoke(self: Any, function_name: str, *args: Any) -> bytes:
        body, response_headers = args[1], args[3]  # qualifier, body, headers, response headers
        event = json.loads(body) if body else {}
        try:
            result = dispatch(function_name).invoke(event)
        except Exception as error:
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorType": type(error).__name__,
                               "errorMessage": str(error)}).encode()
        return json.dumps(result).encode()

    LambdaBackend.invoke = invoke


def create_state_machines(templates: Templates, functions: dict[tuple[str, str], Any],
                          moto_port: int, log: Log) -> None:
    import httpx

    # Executing (not only storing) state machines must be on before they are created.
    httpx.post(f"http://127.0.0.1:{moto_port}/moto-api/config", timeout=10,
               json={"stepfunctions": {"execute_state_machine": True}}).raise_for_status()
    for stack, logical_id in functions:
        templates.assign(stack, logical_id, logical_id, Arn=function_arn(logical_id))
    client = boto3.client("stepfunctions")
    for machine in templates.resources("AWS::StepFunctions::StateMachine"):
        definition = templates.resolve(machine.stack, machine.properties["DefinitionString"])
        name = machine.properties["StateMachineName"]
        arn = client.create_state_machine(name=name, definition=definition,
                                          roleArn=STATE_MACHINE_ROLE)["stateMachineArn"]
        templates.assign(machine.stack, machine.logical_id, arn, Name=name)
        log(f"  workflow  {name} (executed by moto, Lambda tasks run here)")


class Pollers:
    """Threads standing in for event source mappings and EventBridge Scheduler."""

    def __init__(self, dispatch: Dispatch, stopping: threading.Event, log: Log) -> None:
        self._dispatch = dispatch
        self._stopping = stopping
        self._log = log

    def start(self, templates: Templates) -> None:
        for mapping in templates.resources("AWS::Lambda::EventSourceMapping"):
            function = self._dispatch(templates.resolve(mapping.stack,
                                                        mapping.properties["FunctionName"]))
            source = templates.resolve(mapping.stack, mapping.properties["EventSourceArn"])
            target = self._stream if ":dynamodb:" in source else self._queue
            self._thread(target, source, function, mapping.properties.get("BatchSize", 10))
            self._log(f"  source    {_source_name(source)} → {function.name}")
        self._thread(self._schedules)

    def _thread(self, target: Callable[..., None], *args: Any) -> None:
        threading.Thread(target=self._guarded, args=(target, *args), daemon=True,
                         name=f"poll-{target.__name__}").start()

    def _guarded(self, target: Callable[..., None], *args: Any) -> None:
        while not self._stopping.is_set():
            try:
                target(*args)
            except Exception:  # moto stopping, or a bug: keep polling, say what happened
                if self._stopping.wait(1):
                    return
                self._log(f"[poller] {target.__name__}: {traceback.format_exc(limit=3)}")

    def _stream(self, stream_arn: str, function: Any, batch_size: int) -> None:
        """A DynamoDB stream, in order, a batch at a time; a failed batch is retried."""
        streams = boto3.client("dynamodbstreams")
        shards = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
        iterator = streams.get_shard_iterator(StreamArn=stream_arn,
                                              ShardId=shards[0]["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while not self._stopping.is_set():
            response = streams.get_records(ShardIterator=iterator, Limit=batch_size)
            records = [{**record, "eventSourceARN": stream_arn}
                       for record in response["Records"]]
            if records:
                self._deliver(function, {"Records": records})
            iterator = response["NextShardIterator"]
            if not records:
                self._stopping.wait(POLL_S)

    def _deliver(self, function: Any, event: dict[str, Any]) -> None:
        for attempt in range(1, 11):  # the mapping's retry_attempts
            try:
                function.invoke(event)
                return
            except Exception as error:
                self._log(f"[stream] {function.name} failed (attempt {attempt}): {error!r}")
                if self._stopping.wait(min(2 ** attempt * 0.1, 5)):
                    return
        self._log(f"[stream] {function.name}: batch dropped after 10 attempts")

    def _queue(self, queue_arn: str, function: Any, batch_size: int) -> None:
        sqs = boto3.client("sqs")
        url = sqs.get_queue_url(QueueName=queue_arn.rsplit(":", 1)[-1])["QueueUrl"]
        while not self._stopping.is_set():
            messages = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=min(batch_size, 10), WaitTimeSeconds=1,
                VisibilityTimeout=10, AttributeNames=["ApproximateReceiveCount"],
            ).get("Messages", [])
            if messages:
                self._process(sqs, url, function, messages)

    def _process(self, sqs: Any, url: str, function: Any, messages: list[dict]) -> None:
        records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"], "attributes": m.get("Attributes", {}),
                    "eventSource": "aws:sqs", "eventSourceARN": url} for m in messages]
        try:
            result = function.invoke({"Records": records}) or {}
            failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
        except Exception as error:
            self._log(f"[queue] {function.name} failed: {error!r}")
            failed = {m["MessageId"] for m in messages}
        for message in messages:
            receives = int(message.get("Attributes", {}).get("ApproximateReceiveCount", 1))
            if message["MessageId"] not in failed or receives >= MAX_RECEIVES:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def _schedules(self) -> None:
        """One-time schedules (``at(...)`` in UTC): fire the due ones, then delete them."""
        scheduler = boto3.client("scheduler")
        while not self._stopping.wait(POLL_S * 2):
            for summary in scheduler.list_schedules().get("Schedules", []):
                schedule = scheduler.get_schedule(Name=summary["Name"],
                                                  GroupName=summary["GroupName"])
                due = _at(schedule["ScheduleExpression"])
                if due is None or due > datetime.now(UTC):
                    continue
                scheduler.delete_schedule(Name=summary["Name"],
                                          GroupName=summary["GroupName"])
                target = schedule["Target"]
                payload = json.loads(target.get("Input") or "{}")
                threading.Thread(target=self._fire, args=(target["Arn"], payload),
                                 daemon=True).start()

    def _fire(self, arn: str, payload: dict[str, Any]) -> None:
        try:
            self._dispatch(arn).invoke(payload)
        except Exception as error:
            self._log(f"[schedule] {arn.rsplit(':', 1)[-1]} failed: {error!r}")


def _source_name(arn: str) -> str:
    """``table/cms-audit/stream/…`` → ``cms-audit stream``; a queue's ARN → its name."""
    resource = arn.split(":", 5)[-1]
    if "/stream/" in resource:
        return f"{resource.split('/')[1]} stream"
    return resource


def _at(expression: str) -> datetime | None:
    if not expression.startswith("at(") or not expression.endswith(")"):
        return None
    return datetime.fromisoformat(expression[3:-1]).replace(tzinfo=UTC)

