"""The job queue: what is sent is received, held while a runner works, handed out again when
the hold runs out (counting receives), and gone once deleted."""

from __future__ import annotations

import uuid

import pytest

from cms.bootstrap import MemoryServices
from cms.domain.errors import DependencyUnavailable


@pytest.fixture
def queue(services):
    """A fresh queue per test (SQS keeps messages for days)."""
    if isinstance(services, MemoryServices):
        return services.job_queue
    import boto3

    url = boto3.client("sqs").create_queue(QueueName=f"jobs-{uuid.uuid4().hex}")["QueueUrl"]
    return type(services.job_queue)(url)


def test_a_sent_job_is_received_once_while_held(queue):
    queue.send({"job_id": "j-1", "config": {"epochs": 2, "epsilon": "1.500000000"}})
    [message] = queue.receive(wait_s=0, hold_s=300)
    assert message.body == {"job_id": "j-1", "config": {"epochs": 2, "epsilon": "1.500000000"}}
    assert message.receives == 1
    assert queue.receive(wait_s=0, hold_s=300) == []  # held by its runner


def test_a_message_given_back_is_received_again_and_counted(queue):
    queue.send({"job_id": "j-2"})
    [first] = queue.receive(wait_s=0, hold_s=300)
    queue.extend(first, 0)  # as if its hold ran out
    [again] = queue.receive(wait_s=0, hold_s=300)
    assert again.body == {"job_id": "j-2"} and again.receives == 2


def test_a_deleted_message_is_gone_and_its_hold_cannot_change(queue):
    queue.send({"job_id": "j-3"})
    [message] = queue.receive(wait_s=0, hold_s=300)
    queue.delete(message)
    queue.delete(message)  # deleting twice is harmless
    with pytest.raises(DependencyUnavailable):
        queue.extend(message, 300)
    assert queue.receive(wait_s=0, hold_s=0) == []


def test_several_messages_are_received_together(queue):
    for number in range(3):
        queue.send({"job_id": f"j-{number}"})
    received = []
    for _ in range(5):  # SQS may answer with fewer than asked for
        received += queue.receive(wait_s=0, hold_s=300, max_messages=10)
    assert sorted(message.body["job_id"] for message in received) == ["j-0", "j-1", "j-2"]
