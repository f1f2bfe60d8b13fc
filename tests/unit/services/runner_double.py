"""The enclave's parent service (training_runner.enclave_runner) with the enclave and KMS
replaced by doubles: the runner's own code takes the job, asks before each key release,
reports epochs and settles, while the "enclave" counts what it trained and what it was given.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cms.domain.training_jobs import TrainingJob
from enclave_app.transport import Address
from training_runner.enclave_runner import EnclaveRunner

MODEL = b"a trained model"
EPSILON_PER_EPOCH = Decimal("0.25")


def epoch_report(number: int) -> dict[str, Any]:
    """An epoch as the enclave reports it: the epsilon spent so far grows by a quarter."""
    return {"epoch": number, "test_accuracy": 0.9, "epsilon": float(EPSILON_PER_EPOCH * number),
            "seconds": 1.5, "samples_per_second": 2000.0}


@dataclass
class CountingKeys:
    """KMS's part: wrapped keys made, and every release to the enclave counted."""

    released: list[bytes] = field(default_factory=list)

    def new_wrapped_key(self) -> bytes:
        return b"wrapped checkpoint key"

    def for_recipient(self, wrapped: bytes, document: bytes) -> bytes:
        self.released.append(wrapped)
        return b"released:" + wrapped


@dataclass
class ScriptedEnclave(EnclaveRunner):
    """An EnclaveRunner whose enclave trains ``job.config.epochs`` epochs of a quarter epsilon
    each, asking the parent after each one, and attests what it did. ``after_epoch(n)`` runs
    once epoch n is trained, before it is reported (a test ends the contract there)."""

    after_epoch: Callable[[int], None] = lambda number: None
    trained: int = 0  # epochs the enclave trained, over every job it ran

    def _call(self, message: dict[str, Any], **options: Any) -> dict[str, Any]:
        if message["op"] == "recipient":
            return {"recipient_id": "r-1",
                    "document": base64.b64encode(b"attestation document").decode()}
        job = message["job"]
        assert message["keys"]["checkpoint"], "the enclave trains only with its key"
        epochs, done, stopped = job["config"]["epochs"], 0, "completed"
        for number in range(1, epochs + 1):
            self.trained += 1
            done = number
            self.after_epoch(number)
            reply = options["on_progress"]({"epoch": epoch_report(number), "checkpoint": None})
            if reply.get("continue") is False and number < epochs:
                stopped = "stopped"
                break
        statement = {
            "format": "cms-training-statement/v1", "job_id": job["job_id"],
            "contract_id": job["contract_id"], "contract_digest": "0" * 64,
            "model": job["model"], "model_sha256": hashlib.sha256(MODEL).hexdigest(),
            "dataset_sha256": "1" * 64, "epsilon_spent": str(EPSILON_PER_EPOCH * done),
            "delta": 1e-6, "accountant": "prv", "accountant_version": "opacus 1.6.0",
            "epochs": done, "test_accuracy": 0.9, "stopped": stopped}
        return {"statement": statement, "model": base64.b64encode(MODEL).decode(),
                "attestation": base64.b64encode(b"attested").decode(), "simulated": True,
                "metrics": {"epochs": [epoch_report(n) for n in range(1, done + 1)]}}


def scripted_runner(services: Any, **options: Any) -> tuple[ScriptedEnclave, CountingKeys]:
    keys = CountingKeys()
    runner = ScriptedEnclave(services.job_queue, services.training_runs,
                             services.bucket("CMS_TRAINING_BUCKET"), keys,
                             Address("tcp", "127.0.0.1", 9), **options)
    return runner, keys


def run_queued(runner: EnclaveRunner, job: TrainingJob) -> None:
    """Hand the runner this job's queue message (the queue's others go back)."""
    for message in runner.queue.receive(wait_s=0, hold_s=600, max_messages=10):
        if message.body.get("job_id") == job.job_id:
            runner.handle(message)
        else:
            runner.queue.extend(message, 0)
