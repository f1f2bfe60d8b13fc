"""Circuit contracts' platform side: their input key pair at deployment, and the evaluation job
queued when a party asks for it (cms.domain.engine.circuit_contract).

The engine service calls ``prepare_deploy`` on a circuit contract's init arguments before
deploying it, and ``on_committed`` after every committed execution with its events. The job
goes on the training queue, which the enclave's parent reads (training_runner).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from cms.adapters.data_keys import DataKeys
from cms.adapters.job_queue import JobQueue
from cms.domain.engine.circuit_contract import CIRCUIT_KIND, check_deployment, evaluation_job
from cms.domain.engine.errors import EngineValidationError

KEY_ARGS = ("input_public_key", "wrapped_input_key")


class CircuitEvaluations:
    def __init__(self, queue: JobQueue, keys: DataKeys) -> None:
        self._queue = queue
        self._keys = keys

    def prepare_deploy(self, init_args: Mapping[str, Any] | None) -> dict[str, Any]:
        """The init arguments with a fresh input key pair (KMS-made; its private half only
        wrapped). A deployer cannot supply its own key: whoever held that key's private half
        could read every party's input."""
        if init_args is not None and not isinstance(init_args, Mapping):
            raise EngineValidationError("init_args must be an object of named arguments",
                                        "init_args")
        args = dict(init_args or {})
        supplied = sorted(set(KEY_ARGS) & set(args))
        if supplied:
            raise EngineValidationError(
                f"the platform makes a circuit contract's input key: do not send {supplied}",
                f"init_args/{supplied[0]}")
        check_deployment(args)
        public_key, wrapped = self._keys.generate_input_key_pair()
        return {**args, "input_public_key": base64.b64encode(public_key).decode(),
                "wrapped_input_key": base64.b64encode(wrapped).decode()}

    def on_committed(self, address: str, kind: str, events: list[dict[str, Any]]) -> None:
        """Queue the evaluation when a circuit contract's committed call requested it. The
        request is committed first, so a queue outage leaves it requested without a job:
        ``DependencyUnavailable`` goes to the caller, and ``enqueue`` sends it again."""
        if kind == CIRCUIT_KIND and any(event.get("event") == "EvaluationRequested"
                                        for event in events):
            self.enqueue(address)

    def enqueue(self, address: str) -> None:
        """Send the job (again). The runner drops a job whose result is already recorded, so
        a duplicate costs one queue message."""
        self._queue.send(evaluation_job(address))
