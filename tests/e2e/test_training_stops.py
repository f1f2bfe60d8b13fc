"""Ending a contract ends what it allowed, through the stack: the provider terminates an
active contract while one job is queued and another is training in the enclave. Within one
epoch both are stopped (the queued one by the events function's wind-down, from the audit
stream), the budget adds up exactly, no key is released afterwards, and the engine contract it
governs takes no more calls. A parent service of
the test's own (the stack's is held) counts every key release. The rules themselves, and their
interleavings, are tested on the services (tests/unit/services/test_training_stops.py,
tests/contract/test_stop_races.py)."""

from __future__ import annotations

import threading
import time
from decimal import ROUND_CEILING, Decimal
from typing import Any

import pytest

from enclave_app.attestation_module import local_measurements
from tests.e2e.test_contracts_api import expect_error
from tests.e2e.test_training_restart import (  # noqa: F401 - fixtures
    enclaves,
    next_message,
    parent_held,
    runner_for,
)
from tests.e2e.test_training_runs import active_contract, budget, start

pytestmark = pytest.mark.e2e
NINE_PLACES = Decimal("0.000000001")


class CountedRelease:
    """The parent's key release, each release to the enclave counted."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.released = 0

    def new_wrapped_key(self) -> bytes:
        return self.inner.new_wrapped_key()

    def for_recipient(self, wrapped: bytes, document: bytes) -> bytes:
        self.released += 1
        return self.inner.for_recipient(wrapped, document)


def job_of(client, job_id: str) -> dict[str, Any]:
    return client._call("GET", f"/api/v1/training-jobs/{job_id}")


def until(check, timeout: float = 120.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"{what} did not hold within {timeout}s")


def test_terminating_a_contract_stops_its_running_and_queued_jobs_within_one_epoch(
        new_party, parent_held, enclaves):  # noqa: F811 - the imported fixtures
    provider, consumer, contract_id = active_contract(new_party, local_measurements()[0].hex())
    token = provider.client.deploy_engine_contract(
        "erc20", init_args={"name": "Licence credits", "symbol": "LCR"},
        governed_by=contract_id)["address"]
    assert provider.client.execute(token, "totalSupply")["return_value"] == "0"
    running = start(consumer.client, contract_id, epochs=5, epsilon=2.0)
    queued = start(consumer.client, contract_id, epochs=1, epsilon=0.5)
    enclave = enclaves()
    runner = runner_for(enclave, parent_held)
    keys = runner.keys = CountedRelease(runner.keys)
    message = next_message(runner.queue, running["id"])
    training = threading.Thread(target=runner.handle, args=(message,), daemon=True)
    training.start()
    until(lambda: (job_of(consumer.client, running["id"])["progress"] or {}).get("epoch"),
          240, "a first epoch report")

    provider.client.transition(contract_id, "terminate", {"reason": "licence revoked"})
    epochs_before = job_of(consumer.client, running["id"])["progress"]["epoch"]
    released_before = keys.released
    cancelled = until(lambda: (job := job_of(consumer.client, queued["id"]))["status"] !=
                      "pending" and job, 60, "the queued job's cancellation")
    assert (cancelled["status"], cancelled["stop_cause"], cancelled["privacy_budget_spent"]
            ) == ("stopped", "contract_ended", "0.000000000"), cancelled
    training.join(timeout=240)
    assert not training.is_alive(), "the running job did not stop"

    stopped = job_of(consumer.client, running["id"])
    assert (stopped["status"], stopped["stop_cause"], stopped["result"]) == (
        "stopped", "contract_ended", None), stopped
    epochs = stopped["metrics"]["epochs"]
    assert len(epochs) <= epochs_before + 1 < 5, (epochs_before, epochs)  # within one epoch
    charged = Decimal(stopped["privacy_budget_spent"])
    attested = Decimal(str(epochs[-1]["epsilon"])).quantize(NINE_PLACES, ROUND_CEILING)
    assert charged == attested > 0  # the epochs it ran, as the enclave accounted them
    left = budget(provider.client, contract_id)
    assert (Decimal(left["epsilon_spent"]), Decimal(left["epsilon_reserved"]),
            Decimal(left["epsilon_available"])) == (charged, 0, Decimal(3) - charged)

    runner.handle(next_message(runner.queue, queued["id"]))  # its message comes round
    assert keys.released == released_before == 1  # the running job's, before the end
    expect_error(lambda: consumer.client._call(
        "GET", f"/api/v1/training-jobs/{running['id']}/model"), 409,
        "training_result_unavailable")
    expect_error(lambda: start(consumer.client, contract_id), 409, "illegal_transition")
    expect_error(lambda: provider.client.execute(token, "totalSupply"), 409,
                 "illegal_transition")  # what the contract governs in the engine stops too
