"""Per-identity quotas as values (cms.domain.engine.quotas): places held at once, admissions
per window, holds that lapse, releases. The stores are held to the same behaviour in
tests/contract/test_quota_store.py; the service and the routes in
tests/unit/services/test_circuit_quotas.py."""

from __future__ import annotations

import pytest

from cms.domain.engine.quotas import Quota, QuotaState, admitted, released
from cms.domain.errors import EvaluationLimitReached, RateLimited

QUOTA = Quota(held=2, per_window=5, window_s=3600, hold_s=600)


def admit_all(*names: str, now: float = 1000.0, state: QuotaState | None = None) -> QuotaState:
    for name in names:
        state = admitted(state, name, QUOTA, now)
    assert state is not None
    return state


def test_at_most_the_held_number_are_in_flight_at_once():
    state = admit_all("0xa", "0xb")
    with pytest.raises(EvaluationLimitReached) as refused:
        admitted(state, "0xc", QUOTA, 1000.0)
    assert (refused.value.status, refused.value.code) == (409, "evaluation_limit_reached")
    assert refused.value.extra["limit"] == 2


def test_a_release_frees_a_place_but_not_the_window():
    state = released(admit_all("0xa", "0xb"), "0xa", 1000.0)
    state = admitted(state, "0xc", QUOTA, 1001.0)
    assert set(state.held) == {"0xb", "0xc"} and state.used == 3


def test_a_hold_lapses_by_itself():
    # A job lost with its parent never releases: its place frees after hold_s.
    state = admit_all("0xa", "0xb")
    assert set(admitted(state, "0xc", QUOTA, 1000.0 + 601).held) == {"0xc"}


def test_the_window_caps_admissions_and_says_when_to_retry():
    state = None
    for index in range(5):
        state = released(admitted(state, f"0x{index}", QUOTA, 1000.0 + index), f"0x{index}",
                         1000.0 + index)
    with pytest.raises(RateLimited) as refused:
        admitted(state, "0xf", QUOTA, 1010.0)
    assert (refused.value.status, refused.value.code) == (429, "rate_limited")
    assert refused.value.retry_after == 3600 - 10
    assert admitted(state, "0xf", QUOTA, 1000.0 + 3600).used == 1  # a new window


def test_admitting_what_is_already_held_is_free():
    state = admit_all("0xa")
    again = admitted(state, "0xa", QUOTA, 1001.0)
    assert again.used == 1 and set(again.held) == {"0xa"}


def test_a_window_only_quota_holds_nothing():
    deployments = Quota(held=0, per_window=2, window_s=60)
    state = admitted(admitted(None, "", deployments, 0.0), "", deployments, 1.0)
    assert state.held == {} and state.used == 2
    with pytest.raises(RateLimited):
        admitted(state, "", deployments, 2.0)


def test_a_state_survives_its_json_form():
    state = admit_all("0xa", "0xb")
    assert QuotaState.from_json(state.to_json()) == state
