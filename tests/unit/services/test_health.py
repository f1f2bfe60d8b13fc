"""Dependency health: every probe timed and reported, a failing one never skipped."""

from __future__ import annotations

import pytest

from cms.bootstrap import MemoryServices, Services
from cms.config import Misconfigured, Settings
from cms.services.health import HealthService


def failing() -> None:
    raise TimeoutError("connect timeout to 10.0.0.7")


def test_all_up_is_ok():
    ticks = iter([0.0, 0.0125, 1.0, 1.5])
    report = HealthService({"a": lambda: None, "b": lambda: 1}, timer=lambda: next(ticks)).check()
    assert report.healthy and report.status == "ok"
    assert {name: (c.status, c.latency_ms, c.error) for name, c in report.checks.items()} == {
        "a": ("ok", 12.5, None), "b": ("ok", 500.0, None)}


def test_one_down_degrades_and_says_only_what_kind_of_failure():
    report = HealthService({"up": lambda: None, "down": failing, "after": lambda: None}).check()
    assert report.status == "degraded" and not report.healthy
    assert report.checks["down"].status == "down"
    assert report.checks["down"].error == "TimeoutError"  # not the address in the message
    assert report.checks["after"].status == "ok"


def test_a_table_the_function_was_not_given_is_reported_down():
    services = Services(Settings(resources={"CMS_CONTRACTS_TABLE": "cms-contracts"}))
    probes = services.health_probes()
    assert "dynamodb:audit" in probes and "secretsmanager:jwt-signing-key" in probes
    with pytest.raises(Misconfigured):
        probes["dynamodb:audit"]()


def test_the_in_memory_services_are_healthy():
    report = MemoryServices().health.check()
    assert report.healthy and set(report.checks) == {"keys:jwt-signing-key"}
