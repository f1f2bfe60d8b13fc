"""The enclave app as a local process over TCP, and the parent service beside it.

The process runs ``python -m enclave_app`` with the simulated attestation module, whose
documents chain to a development root made at its start; that root is written to a file the
API's verifier trusts (``CMS_ATTESTATION_DEV_ROOT``), and results are reported as simulated.
The parent service runs as a thread of the local stack with the simulated key release (moto's
KMS does not evaluate attestation conditions; local_stack stands in for that check); it also
evaluates circuit contracts (training_runner/circuit_runner.py), recording their results by
invoking the engine function as in the cloud (moto's lambda.invoke runs the local function).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from enclave_app.transport import Address, FrameError, request
from local_stack.anvil import stop_process
from local_stack.background import GATE

READY_TIMEOUT_S = 120.0  # importing torch and Opacus on a loaded 2-core machine


class LocalEnclave:
    def __init__(self, port: int, state_dir: Path, log: Callable[[str], None]) -> None:
        self.address = Address("tcp", "127.0.0.1", port)
        self.root_file = state_dir / "enclave-development-root.pem"
        self._log_file = state_dir / "enclave.log"
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None
        self._ready = threading.Event()
        self.pcr0 = ""

    def start(self) -> LocalEnclave:
        """Start the process; ``ready()`` waits for it (torch takes seconds to import)."""
        self._log(f"Starting the enclave app (simulated attestation) on tcp://127.0.0.1:"
                  f"{self.address.port}, log in {self._log_file}")
        with self._log_file.open("ab") as output:
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "enclave_app", "--listen",
                 f"tcp://127.0.0.1:{self.address.port}"],
                env={**os.environ, "CMS_ENCLAVE_SIMULATED": "1"}, stdout=output,
                stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parent.parent)
        return self

    def ready(self, stopping: threading.Event) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not self._ready.is_set() and time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                self._log(f"[enclave] exited with {self._process.returncode}; see "
                          f"{self._log_file}")
                return False
            try:
                health = request(self.address, {"op": "health"}, timeout_s=5)["result"]
            except (OSError, FrameError):
                if stopping.wait(0.5):
                    return False
                continue
            self.root_file.write_text(health["development_root"])
            self.pcr0 = health["pcr0"]
            self._ready.set()
        return self._ready.is_set()

    def stop(self) -> None:
        stop_process(self._process)


def run_parent(enclave: LocalEnclave, environment: dict[str, str],
               stopping: threading.Event, held: Callable[[], bool],
               log: Callable[[str], None]) -> None:
    """The parent service with the training function's configuration (queue, bucket, key) and
    the engine function's name (``CMS_ENGINE_FUNCTION``); while ``held()`` (tests that look at
    pending jobs) it leaves the queue alone."""
    if not enclave.ready(stopping):
        log("[enclave] not ready: training jobs will wait in the queue")
        return
    from training_runner.circuit_runner import CircuitRunner
    from training_runner.enclave_runner import EnclaveRunner

    services, keys, engine = _parent_wiring(enclave, environment)
    runner = EnclaveRunner(
        services.job_queue, services.training_runs, services.bucket("CMS_TRAINING_BUCKET"),
        keys, enclave.address,
        circuits=CircuitRunner(engine, keys, enclave.address,
                               standing=services.standings.of))
    log(f"  enclave   parent service: {environment['CMS_TRAINING_QUEUE_URL'].rsplit('/', 1)[-1]}"
        f" → {enclave.address.kind}://127.0.0.1:{enclave.address.port} (PCR0 "
        f"{enclave.pcr0[:16]}…)")
    _start_heartbeat(services, enclave, stopping, held)
    _serve(runner.run_once, "training", stopping, held, log)


def _parent_wiring(enclave: LocalEnclave, environment: dict[str, str]) -> tuple[Any, Any, Any]:
    """The parent's services, its simulated key release and the engine function it records
    circuit results through (it may not write the engine table itself, as in the cloud)."""
    from cms.adapters.engine_function import ENGINE_FUNCTION_ENV
    from cms.bootstrap import Services
    from cms.config import Settings
    from cms.domain.attestation import development_root
    from training_runner.engine_invoker import EngineFunction
    from training_runner.key_release import SimulatedKeyRelease

    root = development_root(enclave.root_file.read_bytes(), label="local simulated enclave")
    keys = SimulatedKeyRelease(environment["CMS_TRAINING_KEY_ID"], root, {enclave.pcr0})
    aws = {key: value for key, value in os.environ.items() if key.startswith("AWS_")}
    services = Services(Settings.from_environ({**aws, **environment}))
    return services, keys, EngineFunction(services.engine, environment[ENGINE_FUNCTION_ENV])


def _serve(run_once: Callable[..., Any], name: str, stopping: threading.Event,
           held: Callable[[], bool], log: Callable[[str], None]) -> None:
    """One of the parent's loops: a round at a time while the gate admits jobs, each round
    leaving messages alone while a test holds the parent or the gate."""
    def paused() -> bool:  # a test looks at pending jobs, or points the clients elsewhere
        return held() or GATE.is_held

    while not stopping.is_set():
        pause_s = 0.2
        with GATE.job() as admitted:
            if admitted and not held():
                try:
                    run_once(wait_s=1, held=paused)
                    pause_s = 0
                except Exception as error:  # keep serving; say what happened
                    reasons = getattr(error.__cause__, "cancellation_reasons", None)
                    log(f"[{name}] runner: {error!r} (cause: {error.__cause__!r} "
                        f"{reasons or ''})")
                    pause_s = 1
        stopping.wait(pause_s)


def _start_heartbeat(services: Any, enclave: LocalEnclave, stopping: threading.Event,
                     held: Callable[[], bool]) -> None:
    """The parent's heartbeat, as the parent in the cloud writes it; each beat passes the
    gate (it writes to the stack's DynamoDB), and a held parent does not beat (tests that
    hold it count on its writes stopping)."""
    from training_runner.heartbeat import ParentHeartbeat

    ParentHeartbeat(services.heartbeats, enclave.address, instance="local-parent",
                    interval_s=services.settings.enclave_heartbeat_interval_s
                    ).start(stopping, around=GATE.passage, paused=held)


def parent_environment(functions: dict[Any, Any]) -> dict[str, str]:
    """The training function's configuration, which the parent service shares, the engine
    table (read-only), the engine function's name (what lambda.invoke finds it by here), the
    circuits queue and the quotas table, as CmsEnclave configures it."""
    from cms.adapters.engine_function import ENGINE_FUNCTION_ENV

    engine = next(f for f in functions.values() if f.module_name == "functions.engine.app")
    heartbeats = next(f.environment["CMS_HEARTBEATS_TABLE"] for f in functions.values()
                      if "CMS_HEARTBEATS_TABLE" in f.environment)
    return {**training_environment(functions), ENGINE_FUNCTION_ENV: engine.name,
            **{name: engine.environment[name] for name in (
                "CMS_ENGINE_TABLE", "CMS_CIRCUITS_QUEUE_URL", "CMS_QUOTAS_TABLE")},
            "CMS_HEARTBEATS_TABLE": heartbeats}


def training_environment(functions: dict[Any, Any]) -> dict[str, str]:
    """The training function's configuration, which the parent service shares."""
    return next(f.environment for f in functions.values()
                if "CMS_TRAINING_QUEUE_URL" in f.environment
                and "CMS_TRAINING_KEY_ID" in f.environment)


def run_circuit_parent(enclave: LocalEnclave, environment: dict[str, str],
                       stopping: threading.Event, held: Callable[[], bool],
                       log: Callable[[str], None]) -> None:
    """The parent's loop over the circuits queue (training_runner.circuit_runner.CircuitQueue),
    beside ``run_parent``'s training loop, as ``python -m training_runner`` runs both."""
    if not enclave.ready(stopping):
        return
    from training_runner.circuit_runner import CircuitQueue, CircuitRunner

    services, keys, engine = _parent_wiring(enclave, environment)
    runner = CircuitQueue(services.circuit_queue, CircuitRunner(
        engine, keys, enclave.address, release=services.circuit_quotas.release_evaluation,
        standing=services.standings.of))
    log(f"  enclave   circuits: {environment['CMS_CIRCUITS_QUEUE_URL'].rsplit('/', 1)[-1]}")
    _serve(runner.run_once, "circuits", stopping, held, log)
