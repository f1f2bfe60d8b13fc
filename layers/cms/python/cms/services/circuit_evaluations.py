"""Circuit contracts' platform side: their input key pair at deployment, and the evaluation job
queued when a party asks for it (cms.domain.engine.circuit_contract).

The engine service calls ``prepare_deploy`` on a circuit contract's init arguments before
deploying it, ``admit`` before a call that requests an evaluation, and ``on_committed`` after
every committed execution with its events. The job goes on the circuits queue, which the
enclave's parent serves with a runner of its own (training_runner.circuit_runner), so a stream
of evaluations never waits in front of a training job, nor takes its runner.

Evaluations and deployments are free to their caller but not to the platform (enclave time, a
KMS key release, a KMS key pair each): ``CircuitQuotas`` bounds them per identity (the caller's
contract address): evaluations queued or running at once (409 ``evaluation_limit_reached``),
evaluations requested and contracts deployed per window (429 ``rate_limited``). An evaluation's
place is released when its request does not commit, when the parent is done with its job, or
after ``hold_s`` (a job lost with its parent).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from cms.domain.engine.errors import EngineValidationError
from cms.domain.engine.quotas import Quota, QuotaState, admitted, released
from cms.domain.engine.records import CIRCUIT_KIND
from cms.ports.data_keys import DataKeys
from cms.ports.job_queue import JobQueue
from cms.ports.quotas import QuotaStore

KEY_ARGS = ("input_public_key", "wrapped_input_key")
EVALUATION_REQUEST = "requestEvaluation"


@dataclass(frozen=True)
class CircuitQuotaPolicy:
    evaluations: Quota  # held: at once; per_window: requested
    deployments: Quota  # per_window only


class CircuitQuotas:
    """Quotas per caller address, kept in a QuotaStore (shared by every function and the
    parent)."""

    def __init__(self, store: QuotaStore, policy: CircuitQuotaPolicy,
                 clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self.policy = policy
        self._clock = clock

    def admit_deployment(self, deployer: str) -> None:
        quota = self.policy.deployments
        self._store.change(f"circuit-deployments:{deployer.lower()}", lambda state: admitted(
            state, "", quota, self._clock(), "deployments"), keep_s=quota.keep_s)

    def admit_evaluation(self, requester: str, address: str) -> bool:
        """True if this took a place; False if ``address`` already held one (a repeated
        request, whose failure must not give the first one's place back)."""
        quota, name, now = self.policy.evaluations, address.lower(), self._clock()
        before: list[bool] = []

        def admit(state: QuotaState | None) -> QuotaState:
            before[:] = [state is not None and state.held.get(name, 0.0) > now]
            return admitted(state, name, quota, now)

        self._store.change(self._key(requester), admit, keep_s=quota.keep_s)
        return not before[0]

    def release_evaluation(self, requester: str, address: str) -> None:
        self._store.change(self._key(requester), lambda state: released(
            state, address.lower(), self._clock()), keep_s=self.policy.evaluations.keep_s)

    @staticmethod
    def _key(requester: str) -> str:
        return f"circuit-evaluations:{requester.lower()}"


class CircuitEvaluations:
    """``platform_pcr0s``: the enclave images this platform runs. A circuit contract may only
    list those (a deployer naming an image it controls could otherwise have any outputs
    attested); None leaves the check to the caller (tests of the contract itself)."""

    def __init__(self, queue: JobQueue, keys: DataKeys,
                 platform_pcr0s: Collection[str] | None = None, *,
                 quotas: CircuitQuotas | None = None) -> None:
        self._queue = queue
        self._keys = keys
        self._platform = None if platform_pcr0s is None else frozenset(
            pcr0.lower() for pcr0 in platform_pcr0s)
        self._quotas = quotas

    def prepare_deploy(self, init_args: Mapping[str, Any] | None,
                       deployer: str | None = None) -> dict[str, Any]:
        """The init arguments with a fresh input key pair (KMS-made; its private half only
        wrapped). A deployer cannot supply its own key: whoever held that key's private half
        could read every party's input. The deployer's quota is taken before KMS is asked
        (after the arguments are checked: a refused deployment costs no quota)."""
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
        if self._quotas is not None and deployer is not None:
            self._quotas.admit_deployment(deployer)
        public_key, wrapped = self._keys.generate_input_key_pair()
        return {**args, "input_public_key": base64.b64encode(public_key).decode(),
                "wrapped_input_key": base64.b64encode(wrapped).decode()}

    def admit(self, requester: str, address: str) -> bool:
        """Take the requester's quota for an evaluation of ``address`` (before the call that
        requests it runs): EvaluationLimitReached or RateLimited if it has none left. True if
        a place was taken (to be given back if the request does not commit)."""
        return self._quotas is not None and self._quotas.admit_evaluation(requester, address)

    def release(self, requester: str, address: str) -> None:
        """Give the place back: the request did not commit, or its job is over."""
        if self._quotas is not None:
            self._quotas.release_evaluation(requester, address)

    def on_committed(self, address: str, kind: str, events: list[dict[str, Any]]) -> None:
        """Queue the evaluation when a circuit contract's committed call requested it. The
        request is committed first, so a queue outage leaves it requested without a job:
        ``DependencyUnavailable`` goes to the caller, and ``enqueue`` sends it again."""
        if kind != CIRCUIT_KIND:
            return
        for event in events:
            if event.get("event") == "EvaluationRequested":
                self.enqueue(address, (event.get("args") or {}).get("requester"))

    def enqueue(self, address: str, requester: str | None = None) -> None:
        """Send the job (again). The runner drops a job whose result is already recorded, so
        a duplicate costs one queue message; it releases ``requester``'s place when done."""
        from cms.domain.engine.circuit_contract import evaluation_job

        self._queue.send(evaluation_job(address, requester))

    def _check_images(self, pcr0s: list[str]) -> None:
        if self._platform is None:
            return
        foreign = sorted({pcr0.lower() for pcr0 in pcr0s} - self._platform)
        if foreign:
            raise EngineValidationError(
                f"enclave_pcr0s may only name images this platform runs "
                f"({sorted(self._platform) or 'none is configured'}); not {foreign[0]}",
                "init_args/enclave_pcr0s")
