"""Heartbeats: each instance's latest report, by component, replaced by the next one; the
state comes back as it was written (JSON), whoever reads it."""

from __future__ import annotations

import uuid

from cms.domain.health import Heartbeat


def component() -> str:
    return f"component-{uuid.uuid4().hex[:8]}"  # fresh per test: moto's tables are shared


def test_a_beat_is_read_back_with_its_state(services):
    name = component()
    state = {"enclave": "ok", "pcr0": "ab" * 48, "simulated": False, "balance": str(10**30),
             "block": 1234, "missing": None}
    services.heartbeats.beat(Heartbeat(name, "i-1", "2026-12-07T06:00:00.000Z", state))
    assert services.heartbeats.latest(name) == [
        Heartbeat(name, "i-1", "2026-12-07T06:00:00.000Z", state)]


def test_the_next_beat_of_an_instance_replaces_its_last(services):
    name = component()
    services.heartbeats.beat(Heartbeat(name, "i-1", "2026-12-07T06:00:00.000Z", {"n": 1}))
    services.heartbeats.beat(Heartbeat(name, "i-1", "2026-12-07T06:00:30.000Z", {"n": 2}))
    assert [(b.at, b.state) for b in services.heartbeats.latest(name)] == [
        ("2026-12-07T06:00:30.000Z", {"n": 2})]


def test_each_instance_and_each_component_keeps_its_own(services):
    name, other = component(), component()
    for instance in ("i-2", "i-1", "i-3"):
        services.heartbeats.beat(Heartbeat(name, instance, "2026-12-07T06:00:00.000Z", {}))
    services.heartbeats.beat(Heartbeat(other, "i-1", "2026-12-07T06:00:00.000Z", {}))
    assert [b.instance for b in services.heartbeats.latest(name)] == ["i-1", "i-2", "i-3"]
    assert [b.instance for b in services.heartbeats.latest(name, limit=2)] == ["i-1", "i-2"]
    assert [b.component for b in services.heartbeats.latest(other)] == [other]
    assert services.heartbeats.latest(component()) == []
