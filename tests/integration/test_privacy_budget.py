"""Privacy budgets on DynamoDB (the stack's moto server): reservations cannot over-commit a
contract's epsilon under concurrency, and settling a job counts once."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal

import pytest

from cms.adapters.budget_store import BudgetStore
from cms.adapters.dynamo import WriteConflict
from cms.adapters.tables import TrainingJobRecord

NOW = "2026-11-22T10:00:00.000Z"


def job(contract_id: str, amount: Decimal) -> TrainingJobRecord:
    job_id = str(uuid.uuid4())
    return TrainingJobRecord(job_id, contract_id=contract_id, consumer_did="did:key:z6Mk",
                             model_name="mnist_cnn", status="pending", config={},
                             privacy_budget=amount, privacy_budget_spent=Decimal(0),
                             created_at=NOW, created_key=f"{NOW}#{job_id}", updated_at=NOW)


@pytest.fixture
def store(stack) -> BudgetStore:
    return BudgetStore()


def test_concurrent_reservations_never_exceed_the_budget(store):
    contract_id = str(uuid.uuid4())
    store.open_budget(contract_id, Decimal("3.0"), NOW)
    granted, refused = [], []

    def ask() -> None:
        try:
            store.reserve(job(contract_id, Decimal("0.7")), Decimal("0.7"), NOW)
            granted.append(1)
        except WriteConflict:
            refused.append(1)

    threads = [threading.Thread(target=ask) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(granted), len(refused)) == (4, 8)  # 4 x 0.7 = 2.8 <= 3.0 < 3.5
    budget = store.budget(contract_id)
    assert (budget.reserved, budget.available) == (Decimal("2.8"), Decimal("0.2"))
    assert len(store.jobs_of(contract_id)) == 4  # no job without its reservation


def test_settling_spends_part_and_releases_the_rest_exactly_once(store):
    contract_id = str(uuid.uuid4())
    store.open_budget(contract_id, Decimal("1"), NOW)
    store.open_budget(contract_id, Decimal("99"), NOW)  # already open: unchanged
    running = job(contract_id, Decimal("0.6"))
    store.reserve(running, Decimal("0.6"), NOW)
    store.settle(running, "completed", Decimal("0.512345678"), NOW)
    with pytest.raises(WriteConflict):
        store.settle(running, "failed", Decimal("0"), NOW)  # a retried settlement
    budget = store.budget(contract_id)
    assert budget.total == Decimal("1")
    assert (budget.spent, budget.reserved) == (Decimal("0.512345678"), Decimal("0"))
    assert budget.available == Decimal("0.487654322")
    assert store.job(running.job_id).status == "completed"
