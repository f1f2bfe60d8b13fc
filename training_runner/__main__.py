"""``python -m training_runner``: the parent service on the enclave's EC2 instance.

Configuration comes from the environment the CDK enclave stack writes: the queue, the training
bucket, the KMS key, the tables (as the training function has them) and the enclave's address.
``CMS_KEY_RELEASE=simulated`` (local stack only) swaps KMS's attestation check for the
simulated one, with ``CMS_ATTESTATION_DEV_ROOT`` and ``CMS_ENCLAVE_PCR0``.

Circuit contracts' evaluations arrive on their own queue (``CMS_CIRCUITS_QUEUE_URL``), served
by a loop of their own beside the training loop; the parent reads their inputs from the engine
table (read-only), records their results by invoking the engine function
``CMS_ENGINE_FUNCTION`` (its name or ARN), which runs ``recordResult`` as the platform's relayer
address (cms.adapters.engine_function), and gives each finished job's place back in its
requester's quota (the quotas table).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path

from cms.adapters.engine_function import ENGINE_FUNCTION_ENV
from cms.adapters.job_queue import SqsJobQueue
from cms.bootstrap import Services
from cms.config import Settings
from cms.domain.attestation import development_root
from enclave_app.transport import Address
from training_runner.circuit_runner import CircuitQueue, CircuitRunner
from training_runner.enclave_runner import EnclaveRunner, KeyRelease
from training_runner.engine_invoker import EngineFunction
from training_runner.heartbeat import ParentHeartbeat
from training_runner.key_release import KmsKeyRelease, SimulatedKeyRelease


def key_release(key_id: str) -> KeyRelease:
    if os.environ.get("CMS_KEY_RELEASE") != "simulated":
        return KmsKeyRelease(key_id)
    root = development_root(Path(os.environ["CMS_ATTESTATION_DEV_ROOT"]).read_bytes())
    return SimulatedKeyRelease(key_id, root, set(os.environ["CMS_ENCLAVE_PCR0"].split(",")))


def runners() -> tuple[EnclaveRunner, CircuitQueue | None]:
    services = Services(Settings.from_environ(os.environ))
    s = services.settings
    if not s.training_key_id:
        raise SystemExit("CMS_TRAINING_KEY_ID is not set")
    keys = key_release(s.training_key_id)
    enclave = Address.parse(os.environ.get("CMS_ENCLAVE_ADDRESS", "vsock://16:5005"))
    engine_function = os.environ.get(ENGINE_FUNCTION_ENV)
    circuits, queue = None, None
    if engine_function and s.resources.get("CMS_CIRCUITS_QUEUE_URL"):
        circuits = CircuitRunner(EngineFunction(services.engine, engine_function), keys,
                                 enclave, release=services.circuit_quotas.release_evaluation,
                                 standing=services.standings.of)
        queue = CircuitQueue(services.circuit_queue, circuits)
    else:  # training still runs; circuit jobs wait on their queue
        logging.getLogger("cms.training_runner").warning(
            "%s or CMS_CIRCUITS_QUEUE_URL is not set: circuit evaluations are not handled",
            ENGINE_FUNCTION_ENV)
    # ``circuits`` also takes evaluations queued on the training queue before they had one
    # of their own.
    training = EnclaveRunner(SqsJobQueue(s.resource("CMS_TRAINING_QUEUE_URL")),
                             services.training_runs, services.bucket("CMS_TRAINING_BUCKET"),
                             keys, enclave, circuits=circuits)
    return training, queue


def heartbeat() -> ParentHeartbeat:
    """Reports to the health check that this parent runs, and whether its enclave answers
    (CMS_HEARTBEATS_TABLE; every CMS_ENCLAVE_HEARTBEAT_INTERVAL_S)."""
    services = Services(Settings.from_environ(os.environ))
    enclave = Address.parse(os.environ.get("CMS_ENCLAVE_ADDRESS", "vsock://16:5005"))
    return ParentHeartbeat(services.heartbeats, enclave,
                           interval_s=services.settings.enclave_heartbeat_interval_s)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    heartbeat().start(stopping)
    training, circuits = runners()
    if circuits is not None:
        threading.Thread(target=circuits.serve, args=(stopping.is_set,), daemon=True,
                         name="circuits").start()
    training.serve(stopping.is_set)


if __name__ == "__main__":
    main()
