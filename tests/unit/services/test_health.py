"""Dependency health: every dependency probed at once within a deadline, a failing one never
skipped, the report reused for a few seconds, and the dependency set the API needs."""

from __future__ import annotations

import contextvars
import threading

import pytest

from cms.adapters.dependency_probes import PROBED_QUEUES, infrastructure_probes
from cms.adapters.object_store import BUCKET_SPECS
from cms.adapters.tables import TABLE_SPECS
from cms.bootstrap import MemoryServices, Services
from cms.config import Misconfigured, Settings
from cms.domain.health import Finding, Status
from cms.services.health import (
    ANCHORING,
    ENCLAVE_PARENT,
    LEDGER,
    TOKEN_KEYS,
    Dependency,
    HealthService,
    ServiceDegraded,
)

BACKGROUND = {LEDGER, ANCHORING, ENCLAVE_PARENT}
EVERY_DEPENDENCY = {
    *(f"dynamodb:{spec.key}" for spec in TABLE_SPECS),
    *(f"s3:{spec.key}" for spec in BUCKET_SPECS),
    *(f"sqs:{name}" for name in PROBED_QUEUES),
    "events:bus", TOKEN_KEYS, *BACKGROUND}


def failing() -> None:
    raise TimeoutError("connect timeout to 10.0.0.7")


def test_all_up_is_ok_and_each_probe_is_timed():
    ticks = iter([0.0, 0.0125])
    report = HealthService({"a": lambda: None}, timer=lambda: next(ticks)).check()
    assert report.status is Status.OK
    assert (report.checks["a"].status, report.checks["a"].latency_ms) == (Status.OK, 12.5)


def test_one_down_is_reported_with_its_reason_and_never_stops_the_others():
    report = HealthService({"up": lambda: None, "down": failing, "after": lambda: None}).check()
    assert report.status is Status.DOWN
    assert report.checks["down"].status is Status.DOWN
    assert report.checks["down"].finding.reason == "TimeoutError: connect timeout to 10.0.0.7"
    assert report.checks["after"].status is Status.OK


def test_the_problem_of_a_critical_dependency_down_carries_states_only():
    report = HealthService({"dynamodb:contracts": failing, "s3:documents": lambda: None}).check()
    with pytest.raises(ServiceDegraded) as raised:
        report.require_serving()
    assert raised.value.status == 503 and raised.value.detail == "down: dynamodb:contracts"
    assert raised.value.extra == {"checks": {"dynamodb:contracts": {"status": "down"},
                                             "s3:documents": {"status": "ok"}}}


def test_a_background_dependency_down_degrades_but_the_service_serves():
    report = HealthService({"dynamodb:contracts": lambda: None,
                            LEDGER: Dependency(failing, critical=False)}).check()
    assert report.status is Status.DEGRADED
    assert report.require_serving() is report


def test_a_degraded_finding_degrades_the_report():
    report = HealthService({"s3:documents": lambda: Finding(Status.DEGRADED, "versioning is off")
                            }).check()
    assert report.status is Status.DEGRADED and report.require_serving() is report


def test_probes_run_at_the_same_time():
    # Each probe waits for the other: one after the other, neither would ever finish.
    both = threading.Barrier(2, timeout=5)
    report = HealthService({"a": both.wait, "b": both.wait}, timeout_s=10).check()
    assert {name: check.status for name, check in report.checks.items()} == {
        "a": Status.OK, "b": Status.OK}


def test_a_probe_past_the_deadline_is_degraded_and_is_not_started_again_while_it_runs():
    release, starts = threading.Event(), []

    def hung() -> None:
        starts.append(1)
        release.wait(10)

    health = HealthService({"hung": hung, "up": lambda: None}, timeout_s=0.05)
    try:
        first, second = health.check(), health.check()
        for report in (first, second):
            assert report.checks["hung"].status is Status.DEGRADED  # slow, not failed
            assert report.checks["hung"].finding.reason == "no answer within 0.05 s"
            assert report.status is Status.DEGRADED  # the API still answers 200
            assert report.checks["up"].status is Status.OK
        assert len(starts) == 1  # a hung dependency holds one thread, not one per request
    finally:
        release.set()


def test_a_report_is_reused_for_the_cache_time():
    calls, now = [], [100.0]
    health = HealthService({"a": lambda: calls.append(1)}, cache_ttl_s=5,
                           monotonic=lambda: now[0])
    first = health.check()
    now[0] += 4.9
    assert health.check() is first and len(calls) == 1
    now[0] += 0.2
    assert health.check() is not first and len(calls) == 2


def test_probes_run_in_the_callers_context():
    # The local stack checks each function's AWS calls against its role through a context
    # variable: a probe thread without it would escape the check.
    acting = contextvars.ContextVar("acting", default=None)
    seen = []
    health = HealthService({"a": lambda: seen.append(acting.get())})
    acting.set("meta")
    health.check()
    assert seen == ["meta"]


def test_every_dependency_the_api_needs_is_checked():
    dependencies = MemoryServices().health_dependencies()
    assert set(dependencies) == EVERY_DEPENDENCY
    assert {name for name, d in dependencies.items() if not d.critical} == BACKGROUND
    deployed = Services(Settings()).health_dependencies()
    assert set(deployed) == EVERY_DEPENDENCY  # the in-memory set stands for the deployed one


@pytest.mark.parametrize("name", sorted(EVERY_DEPENDENCY))
def test_each_dependency_down_in_turn(name):
    services = MemoryServices()
    dependencies = services.health_dependencies()
    dependencies[name] = Dependency(failing, dependencies[name].critical)
    report = HealthService(dependencies).check()
    assert report.checks[name].status is Status.DOWN
    if name in BACKGROUND:
        assert report.status is Status.DEGRADED and report.require_serving() is report
    else:
        assert report.status is Status.DOWN
        with pytest.raises(ServiceDegraded):
            report.require_serving()


@pytest.mark.parametrize("name", ["dynamodb:audit", "s3:documents", "sqs:training",
                                  "sqs:deliveries"])
def test_a_resource_the_function_was_not_given_is_reported_down(name):
    probes = infrastructure_probes(Settings(resources={"CMS_CONTRACTS_TABLE": "cms-contracts"}))
    with pytest.raises(Misconfigured):
        probes[name]()
    report = HealthService({name: probes[name]}).check()
    assert report.checks[name].status is Status.DOWN
    assert report.checks[name].finding.reason.startswith("misconfigured: CMS_")


def test_the_in_memory_services_with_their_background_work_reporting_are_healthy():
    from tests.unit.services.health_world import reporting

    services = reporting(MemoryServices(Settings(health_cache_ttl_s=0)))
    report = services.health.check()
    assert report.status is Status.OK, {n: c.finding.reason for n, c in report.checks.items()}
