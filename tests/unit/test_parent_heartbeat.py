"""The enclave parent's heartbeat against the enclave app over its transport (simulated
attestation): a beat records whether the enclave answers, in the heartbeats the health check
reads and in the log line the silent-parents alarm counts."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

import pytest

from cms.adapters.memory.heartbeats import MemoryHeartbeats
from cms.domain.errors import DependencyUnavailable
from cms.domain.health import ENCLAVE_PARENT, ParentReport
from enclave_app.attestation_module import SimulatedModule
from enclave_app.server import EnclaveApp
from enclave_app.transport import Address, Server
from local_stack.stack import free_port
from training_runner.heartbeat import ParentHeartbeat

NOW = datetime(2026, 12, 7, 6, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def enclave():
    module = SimulatedModule()
    server = Server(Address.parse("tcp://127.0.0.1:0"), EnclaveApp(module).handle).start()
    yield module, Address("tcp", "127.0.0.1", server.port)
    server.stop()


def stored(beats: MemoryHeartbeats) -> list[ParentReport]:
    return [ParentReport.from_heartbeat(beat) for beat in beats.latest(ENCLAVE_PARENT)]


def test_a_beat_records_the_enclave_that_answers(enclave, caplog):
    module, address = enclave
    beats = MemoryHeartbeats()
    with caplog.at_level(logging.INFO, logger="cms.training_runner"):
        report = ParentHeartbeat(beats, address, "i-1", clock=lambda: NOW).beat()
    assert report == ParentReport("i-1", "2026-12-07T06:00:00.000Z", True,
                                  module.pcrs[0].hex(), True)
    assert stored(beats) == [report]
    assert "heartbeat enclave=ok" in caplog.messages


def test_a_beat_records_an_enclave_that_does_not_answer(caplog):
    beats = MemoryHeartbeats()
    nobody = Address("tcp", "127.0.0.1", free_port())
    with caplog.at_level(logging.INFO, logger="cms.training_runner"):
        report = ParentHeartbeat(beats, nobody, "i-1", clock=lambda: NOW).beat()
    assert (report.enclave_ok, report.pcr0) == (False, None)
    assert stored(beats) == [report]
    assert "heartbeat enclave=unreachable" in caplog.messages


def test_the_parent_beats_until_it_stops_and_survives_a_table_outage(enclave):
    _, address = enclave
    beats, attempts, stopping = MemoryHeartbeats(), [], threading.Event()

    class Flaky(MemoryHeartbeats):
        def beat(self, heartbeat):
            attempts.append(heartbeat)
            if len(attempts) == 1:
                raise DependencyUnavailable("the database is unreachable")
            beats.beat(heartbeat)
            if len(attempts) == 3:
                stopping.set()

    thread = ParentHeartbeat(Flaky(), address, "i-1", interval_s=0.01).start(stopping)
    thread.join(timeout=10)
    assert not thread.is_alive() and len(attempts) == 3
    assert [report.enclave_ok for report in stored(beats)] == [True]  # one instance, replaced


def test_a_paused_parent_does_not_beat(enclave):
    _, address = enclave
    beats, stopping, checks = MemoryHeartbeats(), threading.Event(), []

    def paused() -> bool:
        checks.append(1)
        if len(checks) == 3:
            stopping.set()
        return True

    ParentHeartbeat(beats, address, "i-1", interval_s=0.01).start(
        stopping, paused=paused).join(timeout=10)
    assert len(checks) == 3 and beats.latest(ENCLAVE_PARENT) == []
