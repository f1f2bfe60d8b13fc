"""The parent service: jobs from the queue to the enclave, and their reports back.

For each job: take it (pending → running), ask the enclave for a recipient key (its public key
in an attestation document), have KMS release the job's checkpoint key to it, send the job with
the last checkpoint if it is resuming, store each epoch's sealed checkpoint and report the
epoch (a stop request is the answer to that report), then store the model and settle the job
with the attested result.

Nothing is lost if the parent or the enclave dies: while a run is in progress a heartbeat keeps
the queue message invisible (a short hold, renewed every third of it), so a job is never run
twice at once however long an epoch takes; when the parent dies the heartbeat stops, the
message comes back within the hold, and the next attempt resumes from the last checkpoint.
After ``max_attempts`` the job fails, charged the epsilon of its last reported epoch.

No key goes to the enclave for a job its contract no longer allows: right before each release
the runner asks again (``TrainingRuns.may_release``: the job still running and not asked to
stop, the contract active, within its validity, neither party suspended), and a refusal
settles the job there. A job that may not keep a model (stopped by its provider, an admin,
or its contract's end) settles without storing it: an unfinished job produces nothing. (If
the contract ends in the moment between that check and the settlement, the stored model is
left unreferenced: no route serves it, and the parent may not delete in the training bucket,
where the sealed datasets are.)

The same queue carries circuit contracts' evaluations (``{"kind": "circuit", ...}``; training
jobs have no kind): they go to ``circuits`` (training_runner/circuit_runner.py).
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from cms.domain.engine.circuit_contract import CIRCUIT_JOB_KIND
from cms.domain.errors import DependencyUnavailable
from cms.domain.training_jobs import JobResult, ModelFile, TrainingJob
from cms.ports.job_queue import JobMessage, JobQueue
from cms.ports.objects import ObjectStore
from cms.services.training_runs import TrainingRuns
from cms_wire.training import Statement
from enclave_app.transport import Address, FrameError, request
from training_runner.jobs import RunnerJob
from training_runner.key_release import KeyReleaseRefused
from training_runner.queue_loop import handle_received, serve

log = logging.getLogger("cms.training_runner")
HOLD_S = 180  # how long a job stays invisible once its parent stops renewing the hold
FRAME_TIMEOUT_S = 1800.0  # the longest an epoch may take
MODEL_TYPE = "application/vnd.pytorch.state-dict"


class KeyRelease(Protocol):
    def new_wrapped_key(self) -> bytes: ...

    def for_recipient(self, wrapped: bytes, document: bytes) -> bytes: ...


class RunFailed(Exception):
    """The job cannot succeed (the enclave refused it, or its key was not released)."""


class RunCancelled(Exception):
    """The job may no longer run (its contract ended, or it was asked to stop) and has been
    settled: no key was released for it."""


class CircuitJobs(Protocol):
    def handle(self, message: JobMessage, queue: JobQueue) -> None: ...


def call_enclave(enclave: Address, message: dict[str, Any], **options: Any) -> dict[str, Any]:
    """One request to the enclave; its refusal is ``RunFailed`` with the enclave's reason."""
    response = request(enclave, message, **options)
    if not response.get("ok"):
        raise RunFailed(f"the enclave refused the job: {response.get('error')}: "
                        f"{response.get('detail')}")
    return response["result"]


@dataclass
class EnclaveRunner:
    queue: JobQueue
    runs: TrainingRuns
    bucket: ObjectStore
    keys: KeyRelease
    enclave: Address
    max_attempts: int = 3
    circuits: CircuitJobs | None = None
    attested = True

    def run_once(self, wait_s: int = 20, held: Callable[[], bool] = lambda: False) -> int:
        """Handle what the queue has (at most one job); returns how many were handled."""
        return handle_received(self.queue, self.handle, wait_s=wait_s, hold_s=HOLD_S,
                               held=held)

    def serve(self, stopping: Callable[[], bool]) -> None:
        serve(self.run_once, "training", stopping)

    def handle(self, message: JobMessage) -> None:
        if message.body.get("kind") == CIRCUIT_JOB_KIND:
            if self.circuits is None:  # left for a parent that evaluates circuits
                log.error("a circuit evaluation arrived but this parent has no engine access")
                return
            self.circuits.handle(message, self.queue)
            return
        spec = RunnerJob.from_json(message.body)
        job = self.runs.take(spec.job_id, self.keys.new_wrapped_key)
        if job is None:
            self.queue.delete(message)  # settled already: nothing to run
            return
        if message.receives > self.max_attempts:
            self.runs.fail(job, f"the run broke off {self.max_attempts} times")
            self.queue.delete(message)
            return
        try:
            with self._held(message):
                result = self._train(job, spec)
        except (FrameError, OSError) as error:
            log.warning("job %s broke off (will resume): %s", job.job_id, error)
            return  # the message comes back after HOLD_S and the job resumes
        except RunFailed as error:
            self.runs.fail(job, str(error))
        except RunCancelled as error:
            log.info("job %s not run: %s", job.job_id, error)
        else:
            self._finish(job, result)
        self.queue.delete(message)

    def _train(self, job: TrainingJob, spec: RunnerJob) -> dict[str, Any]:
        recipient = self._call({"op": "recipient"}, timeout_s=60.0)
        document = base64.b64decode(recipient["document"])
        wrapped = {"checkpoint": job.checkpoint_key}
        if spec.dataset_key:
            wrapped["dataset"] = base64.b64decode(spec.dataset_key)
        released = {name: self._release(job, key, document) for name, key in wrapped.items()}
        resume = self._last_checkpoint(job)
        stored = [job.progress.checkpoint if job.progress else None]

        def on_progress(progress: dict[str, Any]) -> dict[str, Any]:
            stored[0] = self._store_checkpoint(job, progress) or stored[0]
            return {"continue": self.runs.report(job, progress.get("epoch"), stored[0])}

        return self._call({
            "op": "train", "job": spec.to_json(), "recipient_id": recipient["recipient_id"],
            "keys": {name: base64.b64encode(key).decode() for name, key in released.items()},
            "dataset": self._sealed_dataset(spec),
            "resume": resume and base64.b64encode(resume).decode(),
        }, timeout_s=FRAME_TIMEOUT_S, on_progress=on_progress)

    def _release(self, job: TrainingJob, wrapped: bytes, document: bytes) -> bytes:
        """One key for the enclave, if the job may still run (asked again for every key)."""
        if not self.runs.may_release(job):
            raise RunCancelled("its contract no longer allows it, or it was asked to stop")
        try:
            return self.keys.for_recipient(wrapped, document)
        except KeyReleaseRefused as error:
            raise RunFailed(f"the job's keys were not released: {error}") from None

    @contextmanager
    def _held(self, message: JobMessage) -> Iterator[None]:
        """Renew the message's hold while the block runs (the job is ours meanwhile)."""
        done = threading.Event()

        def renew() -> None:
            while not done.wait(HOLD_S / 3):
                try:
                    self.queue.extend(message, HOLD_S)
                except DependencyUnavailable as error:  # the next renewal may get through
                    log.warning("could not renew the hold on a job: %s", error)

        heartbeat = threading.Thread(target=renew, daemon=True, name="job-hold")
        heartbeat.start()
        try:
            yield
        finally:
            done.set()
            heartbeat.join()

    def _call(self, message: dict[str, Any], **options: Any) -> dict[str, Any]:
        return call_enclave(self.enclave, message, **options)

    def _sealed_dataset(self, spec: RunnerJob) -> str | None:
        """The registered dataset as sealed (it opens only inside the enclave)."""
        if not spec.dataset_uri:
            return None
        key = spec.dataset_uri.removeprefix(f"s3://{self.bucket.name}/")
        try:
            return base64.b64encode(self.bucket.get(key, spec.dataset_version).body).decode()
        except KeyError:
            raise RunFailed(f"the dataset {spec.dataset_uri} is gone") from None

    def _last_checkpoint(self, job: TrainingJob) -> bytes | None:
        key = job.progress.checkpoint if job.progress else None
        return self.bucket.get(key).body if key else None

    def _store_checkpoint(self, job: TrainingJob, progress: dict[str, Any]) -> str | None:
        """The sealed checkpoint's key (None if the report carries none or no epoch)."""
        sealed, epoch = progress.get("checkpoint"), (progress.get("epoch") or {}).get("epoch")
        if not sealed or isinstance(epoch, bool) or not isinstance(epoch, int):
            return None
        key = f"training/jobs/{job.job_id}/checkpoints/{epoch:04d}"
        self.bucket.put(key, base64.b64decode(sealed), "application/octet-stream")
        return key

    def _finish(self, job: TrainingJob, result: dict[str, Any]) -> None:
        try:
            statement = Statement.from_json(result.get("statement"))
            model = base64.b64decode(str(result.get("model")), validate=True)
            attestation = str(result["attestation"])
        except (KeyError, ValueError) as error:
            self.runs.fail(job, f"the enclave's result is unusable: {error}")
            return
        withheld = self.runs.withheld(job)
        if withheld is not None:  # charged what the statement attests, and no model
            self.runs.complete(job, result["statement"], None, result.get("metrics"),
                               withheld=withheld)
            return
        key = f"training/jobs/{job.job_id}/model.pt"
        version = self.bucket.put(key, model, MODEL_TYPE)
        stored = JobResult(result["statement"], attestation, self.attested,
                           bool(result.get("simulated")),
                           ModelFile(key, version, len(model), str(statement.model_sha256)))
        self.runs.complete(job, result["statement"], stored, result.get("metrics"))
