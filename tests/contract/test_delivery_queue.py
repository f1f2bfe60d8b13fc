"""The queue of delivery attempts: what is sent arrives as sent, after its delay."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import pytest

from cms.bootstrap import MemoryServices, Services
from cms.config import Misconfigured, Settings
from cms.domain.webhooks import AttemptMessage
from cms.ports.webhooks import DeliveryQueue

Receive = Callable[[], list[AttemptMessage]]


@pytest.fixture(params=["memory", "sqs"])
def queue(request: pytest.FixtureRequest) -> tuple[DeliveryQueue, Receive]:
    if request.param == "memory":
        memory = MemoryServices().delivery_queue
        return memory, memory.receive
    import boto3

    environment = request.getfixturevalue("moto_dynamodb")  # moto's server, SQS included
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=f"deliveries-{uuid.uuid4().hex[:12]}")["QueueUrl"]

    def receive() -> list[AttemptMessage]:
        found = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                    WaitTimeSeconds=0).get("Messages", [])
        for message in found:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return [AttemptMessage.from_json(json.loads(m["Body"])) for m in found]

    services = Services(Settings.from_environ({**environment,
                                               "CMS_DELIVERIES_QUEUE_URL": url}))
    return services.delivery_queue, receive


def test_a_message_arrives_as_sent(queue):
    sender, receive = queue
    message = AttemptMessage(str(uuid.uuid4()), "2026-12-07T06:00:00.000Z_" + "a" * 32, 2)
    sender.send(message)
    assert receive() == [message]
    assert receive() == []


def test_a_delayed_message_waits(queue):
    sender, receive = queue
    sender.send(AttemptMessage(str(uuid.uuid4()), "d", 3), 600)
    sender.send(AttemptMessage(str(uuid.uuid4()), "d", 3), 10**6)  # clipped to SQS's 900 s
    assert receive() == []


def test_a_function_not_given_the_queue_is_misconfigured(moto_dynamodb):
    services = Services(Settings.from_environ(moto_dynamodb))  # no CMS_DELIVERIES_QUEUE_URL
    with pytest.raises(Misconfigured, match="CMS_DELIVERIES_QUEUE_URL"):
        services.delivery_queue.send(AttemptMessage("w", "d", 1))
