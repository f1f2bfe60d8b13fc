"""The parent's side of circuit contracts: evaluate in the enclave, record through the engine.

For a queued evaluation (``{"kind": "circuit", "address": ...}``, queued by
cms.services.circuit_evaluations when a party requested it) the runner reads the contract's
stored circuit, ciphertexts, wrapped input key and allowed PCR0s from engine storage, asks the
enclave for a recipient key (its public key in an attestation document), has KMS release the
input key to it, sends ``evaluate_circuit``, and executes the contract's ``recordResult`` with
the attested statement through the engine function (training_runner/engine_invoker.py: the
parent may read the engine table, not write it). The parent never sees a plaintext input or the
private key, and cannot alter the result: the contract verifies the statement itself.

A circuit contract governed by an agreement (cms.services.governance) is evaluated only while
that agreement allows work: the runner asks right before it releases the input key, and drops
the job otherwise (no key goes out; the engine would refuse the result anyway).

A run that breaks off (the enclave unreachable) is left on the queue and tried again, up to
``max_attempts`` receives; a refusal (an image the contract does not allow, a key KMS would
not release, a statement the contract rejects) is logged and the job dropped, the contract
staying ``requested``. A job whose result is already recorded is dropped: duplicates are
harmless. Whenever a job is done with (recorded, refused, given up), its requester's place in
the per-identity quota is given back (``release``).

Evaluations have their own queue and their own loop (``CircuitQueue``), beside the training
runner's: the enclave serves each connection in its own thread, so an evaluation neither waits
for a training job nor makes one wait, and the per-identity quotas bound how many there are.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from cms.adapters.engine_function import CIRCUIT_RELAYER
from cms.domain.engine.circuit_contract import StoredCircuit, read_stored
from cms.domain.engine.errors import ContractNotFound, StorageError
from cms.domain.engine.state import ContractState
from cms.domain.errors import DependencyUnavailable, DomainError
from cms.domain.standing import Standing
from cms.ports.job_queue import JobMessage, JobQueue
from enclave_app.transport import Address, FrameError
from training_runner.enclave_runner import KeyRelease, RunFailed, call_enclave
from training_runner.key_release import KeyReleaseRefused
from training_runner.queue_loop import handle_received, serve

log = logging.getLogger("cms.training_runner.circuits")
# recordResult verifies an attestation at the 10x privacy rate: ~3M gas for two parties, more
# with eight; well under one call's 30M maximum.
RECORD_GAS_LIMIT = 10_000_000
EVALUATION_TIMEOUT_S = 120.0  # 10,000 gates take ~25 ms; decryption and attestation ~100 ms
# How long a received evaluation stays invisible: longer than one attempt can take (the
# enclave's answer, then recordResult through the engine function).
HOLD_S = 300


class Engine(Protocol):
    """What the runner needs of the engine: training_runner.engine_invoker.EngineFunction on
    the parent (reads from the table, calls through the engine function), or a
    cms.services.engine.EngineService in process (tests). ``execute``'s result has
    ``success``, ``error`` and ``return_value`` like an ExecutionResult."""

    def contract_state(self, address: str) -> ContractState: ...

    def get_contract(self, address: str) -> Any: ...

    def execute(self, caller: str, address: str, function: str, args: Any = None,
                gas_limit: int | None = None) -> Any: ...


@dataclass
class CircuitRunner:
    """``release(requester, address)`` gives a finished job's quota place back
    (cms.services.circuit_evaluations.CircuitQuotas.release_evaluation)."""

    engine: Engine
    keys: KeyRelease
    enclave: Address
    caller: str = CIRCUIT_RELAYER  # what the engine function runs recordResult as
    max_attempts: int = 3
    release: Callable[[str, str], None] | None = None
    # A CMS contract's standing by id (cms.services.stopping.ContractStandings.of); None: a
    # governed circuit is never evaluated here.
    standing: Callable[[str], Standing] | None = None

    def handle(self, message: JobMessage, queue: JobQueue) -> None:
        address = str(message.body.get("address"))
        try:
            outcome = self.run(address)
        except (FrameError, OSError) as error:
            if message.receives < self.max_attempts:
                log.warning("circuit %s broke off (will retry): %s", address, error)
                return  # the message comes back after its hold
            log.error("circuit %s: gave up after %d attempts: %s", address, message.receives,
                      error)
        except RunFailed as error:
            log.error("circuit %s: %s", address, error)
        else:
            log.info("circuit %s: %s", address, outcome)
        queue.delete(message)
        self._release(message.body.get("requester"), address)

    def _release(self, requester: Any, address: str) -> None:
        if self.release is None or not isinstance(requester, str):
            return
        try:
            self.release(requester, address)
        except DependencyUnavailable as error:  # the place frees itself after its hold
            log.warning("circuit %s: could not release %s's place: %s", address, requester,
                        error)

    def run(self, address: str) -> str:
        """Evaluate and record; returns what happened (raises ``RunFailed`` on a refusal)."""
        stored = self._stored(address)
        if stored.recorded:
            return "already recorded"
        if not stored.requested:
            raise RunFailed("the contract's evaluation was not requested")
        answer = self._evaluate(address, stored)
        try:
            result = self.engine.execute(self.caller, address, "recordResult",
                                         {"statement": answer["statement"],
                                          "document": answer["document"]},
                                         gas_limit=RECORD_GAS_LIMIT)
        except DependencyUnavailable:
            raise  # storage unreachable: the job stays on the queue
        except DomainError as error:  # the call itself was refused (a malformed answer)
            raise RunFailed(f"the engine refused the result: {error}") from None
        if result.success:
            return f"recorded ({answer['statement']['status']})"
        error = result.error or {}
        if error.get("error") == "CircuitResultAlreadyRecorded":
            return "already recorded"
        raise RunFailed(f"the contract refused the result: {error.get('detail', error)}")

    def _check_governance(self, address: str) -> None:
        """Asked right before the input key is released."""
        governing = getattr(self.engine.get_contract(address), "governed_by", None)
        if governing is None:
            return
        standing = self.standing(governing) if self.standing is not None else None
        if standing is None or not standing.allows_work:
            reason = standing.reason if standing is not None else "it cannot be checked here"
            raise RunFailed(f"the contract governing it no longer allows work: {reason}")

    def _stored(self, address: str) -> StoredCircuit:
        try:
            return read_stored(self.engine.contract_state(address))
        except ContractNotFound as error:  # no such contract, or not a circuit contract
            raise RunFailed(f"not a circuit contract: {error}") from None
        except StorageError as error:  # the engine table is unreachable: the job waits
            raise DependencyUnavailable(str(error)) from error
        except (KeyError, TypeError, ValueError) as error:
            raise RunFailed(f"the contract's state is unreadable: {error!r}") from None

    def _evaluate(self, address: str, stored: StoredCircuit) -> dict[str, Any]:
        recipient = call_enclave(self.enclave, {"op": "recipient"}, timeout_s=60.0)
        self._check_governance(address)
        try:
            released = self.keys.for_recipient(stored.wrapped_input_key,
                                               base64.b64decode(recipient["document"]))
        except KeyReleaseRefused as error:
            raise RunFailed(f"the input key was not released: {error}") from None
        return call_enclave(self.enclave, {
            "op": "evaluate_circuit", "recipient_id": recipient["recipient_id"],
            "key": base64.b64encode(released).decode(), "contract": address,
            "circuit": stored.circuit, "circuit_hash": stored.circuit_hash,
            "input_public_key": base64.b64encode(stored.input_public_key).decode(),
            "enclave_measurements": stored.enclave_pcr0s,
            "inputs": {name: base64.b64encode(data).decode()
                       for name, data in stored.inputs.items()},
        }, timeout_s=EVALUATION_TIMEOUT_S)


@dataclass
class CircuitQueue:
    """The parent's loop over the circuits queue: one evaluation at a time, beside the
    training runner's loop (training_runner.enclave_runner)."""

    queue: JobQueue
    circuits: CircuitRunner

    def run_once(self, wait_s: int = 20, held: Callable[[], bool] = lambda: False) -> int:
        """Handle what the queue has (at most one job)."""
        return handle_received(self.queue, lambda message: self.circuits.handle(
            message, self.queue), wait_s=wait_s, hold_s=HOLD_S, held=held)

    def serve(self, stopping: Callable[[], bool]) -> None:
        serve(self.run_once, "circuits", stopping)
