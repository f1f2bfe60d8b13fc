"""The quota store: a change is applied atomically, concurrent changes one after another, a
refused change stores nothing."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from cms.domain.engine.quotas import Quota, QuotaState, admitted, released
from cms.domain.errors import EvaluationLimitReached

QUOTA = Quota(held=3, per_window=100, window_s=3600, hold_s=600)


@pytest.fixture
def store(services):
    return services.quota_store


def key() -> str:
    return f"circuit-evaluations:0x{uuid.uuid4().hex}"


def test_a_change_is_stored_and_read_back(store):
    name = key()
    first = store.change(name, lambda state: admitted(state, "0xa", QUOTA, 1000.0),
                         keep_s=QUOTA.keep_s)
    assert first.used == 1
    seen: list[QuotaState | None] = []
    store.change(name, lambda state: seen.append(state) or released(state, "0xa", 1000.0),
                 keep_s=QUOTA.keep_s)
    assert seen == [first]


def test_a_refused_change_stores_nothing(store):
    name = key()
    for address in ("0xa", "0xb", "0xc"):
        store.change(name, lambda state, a=address: admitted(state, a, QUOTA, 1000.0),
                     keep_s=QUOTA.keep_s)
    with pytest.raises(EvaluationLimitReached):
        store.change(name, lambda state: admitted(state, "0xd", QUOTA, 1000.0),
                     keep_s=QUOTA.keep_s)
    after = store.change(name, lambda state: state, keep_s=QUOTA.keep_s)
    assert set(after.held) == {"0xa", "0xb", "0xc"} and after.used == 3


def test_concurrent_admissions_never_pass_the_limit(store):
    name = key()

    def admit(index: int) -> bool:
        try:
            store.change(name, lambda state: admitted(state, f"0x{index}", QUOTA, 1000.0),
                         keep_s=QUOTA.keep_s)
            return True
        except EvaluationLimitReached:
            return False

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(admit, range(12)))
    assert outcomes.count(True) == QUOTA.held
    final = store.change(name, lambda state: state, keep_s=QUOTA.keep_s)
    assert len(final.held) == QUOTA.held and final.used == QUOTA.held
