"""The SQS queue of training jobs (the port: cms.ports.training.JobQueue), between the
training API and the runners on the enclave's parent instance.

A runner keeps a job's message invisible while it trains (``extend`` on each epoch report) and
deletes it only when the job is settled; if the runner dies, the message comes back and the
next runner resumes the job from its last checkpoint.
"""

from __future__ import annotations

import json
from typing import Any

from cms.adapters.aws import attempt, client
from cms.domain.errors import DependencyUnavailable
from cms.ports.job_queue import JobMessage

__all__ = ["JobMessage", "SqsJobQueue"]


class SqsJobQueue:
    def __init__(self, queue_url: str | None) -> None:
        self.url = queue_url

    def _queue(self) -> str:
        if not self.url:
            raise DependencyUnavailable("no training jobs queue is configured")
        return self.url

    def send(self, job: dict[str, Any]) -> None:
        body = json.dumps(job, separators=(",", ":"), sort_keys=True)
        attempt("enqueue a training job", lambda: client("sqs").send_message(
            QueueUrl=self._queue(), MessageBody=body))

    def receive(self, wait_s: int = 20, hold_s: int = 300,
                max_messages: int = 1) -> list[JobMessage]:
        response = attempt("receive training jobs", lambda: client("sqs").receive_message(
            QueueUrl=self._queue(), MaxNumberOfMessages=max_messages, WaitTimeSeconds=wait_s,
            VisibilityTimeout=hold_s, AttributeNames=["ApproximateReceiveCount"]))
        return [JobMessage(json.loads(m["Body"]), m["ReceiptHandle"],
                           int(m.get("Attributes", {}).get("ApproximateReceiveCount", 1)))
                for m in response.get("Messages", [])]

    def extend(self, message: JobMessage, hold_s: int) -> None:
        attempt("hold a training job", lambda: client("sqs").change_message_visibility(
            QueueUrl=self._queue(), ReceiptHandle=message.receipt, VisibilityTimeout=hold_s))

    def delete(self, message: JobMessage) -> None:
        attempt("finish a training job", lambda: client("sqs").delete_message(
            QueueUrl=self._queue(), ReceiptHandle=message.receipt))
