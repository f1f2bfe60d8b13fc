"""Stop racing start: a job's run (the parent service's own code, its enclave and KMS doubles)
against its consumer's stop, its provider's stop, or its contract's termination followed by the
wind-down, under every interleaving of their store calls with at most two preemptions on the
in-memory stores and one on DynamoDB (moto), where the conditional writes are the real ones.

Whatever the order:
- the job ends settled, nothing stays reserved, and spent plus available is the total;
- the job is charged exactly the epsilon of the epochs the enclave trained (a stopped job
  never trains for free, and pays for nothing it did not train);
- no key reaches the enclave while the job is asked to stop or its contract has ended;
- a model is kept only by a job that completed, or that its own consumer stopped after it
  trained; a job its provider or its contract's end stopped keeps none.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest

from cms.bootstrap import MemoryServices
from cms.domain.contracts import Status
from cms.domain.errors import IllegalTransition
from cms.domain.standing import MODEL_KEEPING, StopCause
from cms.domain.training_jobs import JobStatus
from tests.interleavings import Gated, Scheduler, Step, explore
from tests.unit.services.runner_double import EPSILON_PER_EPOCH, CountingKeys, scripted_runner
from tests.unit.services.training_setup import (
    ContractsOnFile,
    TrainingServices,
    contract,
    moved_to,
    party,
    start,
)

EPOCHS = 2


def consumer_stops(world: World) -> None:
    world.services.training.stop(world.consumer, world.job_id)


def provider_stops(world: World) -> None:
    world.services.training.stop(world.provider, world.job_id)


def contract_terminated(world: World) -> None:
    moved_to(world.services, world.contract, Status.TERMINATED)
    world.services.wind_down.contract(world.contract.id)


SCENARIOS = {"consumer": consumer_stops, "provider": provider_stops,
             "termination": contract_terminated}


class WatchedKeys(CountingKeys):
    """KMS's part; each release is a step of the schedule, so the trace says when it went
    out (and the job must still be running then: only its runner settles a running job)."""

    world: World

    def for_recipient(self, wrapped: bytes, document: bytes) -> bytes:
        self.world.scheduler.step("kms.release")
        if self.world.budgets.job(self.world.job_id).status != JobStatus.RUNNING:
            self.world.violations.append("a key went out for a job that is not running")
        return super().for_recipient(wrapped, document)


@dataclass
class World:
    """One run's world: a job queued under an active contract, the runner holding its
    message, every budget and contract store call gated by the run's scheduler."""

    budgets: object  # the store under test, ungated
    scheduler: Scheduler

    def __post_init__(self) -> None:
        self.services = TrainingServices()
        self.contracts = ContractsOnFile()
        self.services.__dict__["budget_store"] = Gated(self.budgets, lambda: self.scheduler,
                                                       "budgets")
        self.services.__dict__["contract_file"] = Gated(self.contracts,
                                                        lambda: self.scheduler, "contracts")
        self.provider, self.consumer = party(), party()
        self.contract = contract(self.services, self.provider, self.consumer)
        self.job_id = start(self.services, self.consumer, self.contract.id, epochs=EPOCHS,
                            epsilon=1).job_id
        [self.message] = self.services.job_queue.receive(wait_s=0, hold_s=600)
        self.runner, _ = scripted_runner(self.services)
        self.keys = WatchedKeys()
        self.keys.world = self
        self.runner.keys = self.keys
        self.violations: list[str] = []


def run(budgets: object, stop: Callable[[World], None], prefix: Sequence[int]) -> list[Step]:
    world = World(budgets, Scheduler())
    late: list[IllegalTransition] = []

    def stopper() -> None:
        try:
            stop(world)
        except IllegalTransition as error:  # the job was settled first: nothing to stop
            late.append(error)

    trace = world.scheduler.run([lambda: world.runner.handle(world.message), stopper],
                                prefix)
    schedule = [f"{step.chosen}:{step.label}" for step in trace]
    assert not world.scheduler.errors, (world.scheduler.errors, schedule)
    check(world, bool(late), schedule)
    if not late:
        check_order(trace, schedule)
    return trace


def check_order(trace: list[Step], schedule: list[str]) -> None:
    """Once the stop (or the termination and its wind-down) has been recorded, no key goes
    out after a check begun later, and at most one more epoch is reported (the one in
    progress). The parent checks by reading the job, then its contract, just before the
    release: a stop landing between those reads or during the release itself is caught at
    the next epoch report, charged (check)."""
    stopped_at = max(index for index, step in enumerate(trace) if step.chosen == 1)
    runner = [(index, step.label) for index, step in enumerate(trace) if step.chosen == 0]
    for position, (_, label) in enumerate(runner):
        if label == "kms.release":
            (began, first), (_, second) = runner[position - 2:position]
            assert (first, second) == ("budgets.job", "contracts.get"), schedule
            assert began < stopped_at, ("a key went out after the stop", schedule)
    reports = [index for index, step in enumerate(trace)
               if step.chosen == 0 and step.label == "budgets.record_progress"]
    assert sum(index > stopped_at for index in reports) <= 1, schedule


def check(world: World, stopped_late: bool, schedule: list[str]) -> None:
    job = world.budgets.job(world.job_id)
    budget = world.budgets.budget(world.contract.id)
    where = (job, schedule)
    assert not job.is_open, where
    assert (budget.reserved, budget.spent) == (0, job.privacy_budget_spent), where
    assert budget.spent + budget.available == budget.total, where
    assert job.privacy_budget_spent == EPSILON_PER_EPOCH * world.runner.trained, where
    assert world.violations == [], where
    assert len(world.keys.released) <= 1, where
    if job.status == JobStatus.COMPLETED:  # perhaps asked to stop by its consumer too late
        assert job.stop_cause in MODEL_KEEPING and world.runner.trained == EPOCHS, where
    kept = job.result is not None
    assert kept == (job.status == JobStatus.COMPLETED or (
        job.stop_cause == StopCause.CONSUMER and world.runner.trained > 0)), where
    if stopped_late:
        assert job.status == JobStatus.COMPLETED, where


# Preemptions explored: on DynamoDB (a moto round trip per call) two for the race a stop's
# read loses to the runner taking the job, which needs two switches to show, one otherwise.
BOUNDS = {"memory": {"consumer": 3, "provider": 3, "termination": 3},
          "dynamodb": {"consumer": 2, "provider": 1, "termination": 1}}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_a_stop_racing_a_run_never_trains_for_free(services, scenario):
    store = "memory" if isinstance(services, MemoryServices) else "dynamodb"
    bound = BOUNDS[store][scenario]
    budgets = services.budget_store
    schedules = sum(1 for _ in explore(
        lambda prefix: run(budgets, SCENARIOS[scenario], prefix), bound))
    assert schedules > 10  # the exploration did branch
