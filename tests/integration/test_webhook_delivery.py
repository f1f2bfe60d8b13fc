"""The deliveries function on the real DynamoDB adapter when DynamoDB is not there: the SQS
message is reported as a batch item failure (SQS redelivers it, then dead-letters it).

Webhook behaviour is tested on the in-memory stores (tests/unit/services/test_webhooks.py),
the DynamoDB and SQS adapters against moto (tests/contract), the functions in process
(tests/unit/test_platform_routes.py) and end to end through the bus (tests/e2e).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from cms.adapters.tables import DeliveryRecord, WebhookRecord, _Meta
from cms.config import Settings
from local_stack.lambdas import fresh_instance
from tests.aws_environment import pointing_at


class Context:
    function_name, memory_limit_in_mb, aws_request_id = "deliveries", 256, "req-1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:deliveries"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


@pytest.fixture
def nowhere() -> Iterator[None]:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pointing_at({"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
                      "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                      "AWS_REGION": _Meta.region, "AWS_DEFAULT_REGION": _Meta.region}):
        yield


@pytest.mark.usefixtures("nowhere")
def test_an_unreachable_database_is_a_batch_item_failure() -> None:
    deliveries = fresh_instance("functions.deliveries.app")
    deliveries.runtime.configure(Settings.from_environ({
        "AWS_REGION": _Meta.region, "CMS_DELIVERIES_QUEUE_URL": "http://127.0.0.1:1/queue",
        "CMS_WEBHOOKS_TABLE": WebhookRecord.Meta.table_name,
        "CMS_DELIVERIES_TABLE": DeliveryRecord.Meta.table_name}))
    message = {"webhook_id": "w", "delivery_id": "2025-03-01T12:00:00.000Z_" + "0" * 32,
               "attempt": 1}
    batch = {"Records": [{"messageId": "m-1", "eventSource": "aws:sqs",
                          "body": json.dumps(message)}]}

    assert deliveries.handler(batch, Context()) == {"batchItemFailures": [
        {"itemIdentifier": "m-1"}]}
