"""Circuit contracts' platform side: their input key pair at deployment, and the evaluation job
queued when a party asks for it (cms.domain.engine.circuit_contract).

The engine service calls ``prepare_deploy`` on a circuit contract's init arguments before
deploying it, and ``on_committed`` after every committed execution with its events. The job
goes on the training queue, which the enclave's parent reads (training_runner).
"""

from __future__ import annotations

import base64
from collections.abc import Collection, Mapping
from typing import Any

from cms.domain.engine.errors import EngineValidationError
from cms.domain.engine.records import CIRCUIT_KIND
from cms.ports.data_keys import DataKeys
from cms.ports.job_queue import JobQueue

KEY_ARGS = ("input_public_key", "wrapped_input_key")


class CircuitEvaluations:
    """``platform_pcr0s``: the enclave images this platform runs. A circuit contract may only
    list those (a deployer naming an image it controls could otherwise have any outputs
    attested); None leaves the check to the caller (tests of the contract itself)."""

    def __init__(self, queue: JobQueue, keys: DataKeys,
                 platform_pcr0s: Collection[str] | None = None) -> None:
        self._queue = queue
        self._keys = keys
        self._platform = None if platform_pcr0s is None else frozenset(
            pcr0.lower() for pcr0 in platform_pcr0s)

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
        from cms.domain.engine.circuit_contract import check_deployment

        check_deployment(args)
        self._check_images(args["enclave_pcr0s"])
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
        from cms.domain.engine.circuit_contract import evaluation_job

        self._queue.send(evaluation_job(address))

    def _check_images(self, pcr0s: list[str]) -> None:
        if self._platform is None:
            return
        foreign = sorted({pcr0.lower() for pcr0 in pcr0s} - self._platform)
        if foreign:
            raise EngineValidationError(
                f"enclave_pcr0s may only name images this platform runs "
                f"({sorted(self._platform) or 'none is configured'}); not {foreign[0]}",
                "init_args/enclave_pcr0s")
