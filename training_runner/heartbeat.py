"""The parent's heartbeat: every ``interval_s`` it asks its enclave whether it answers and
records the outcome (cms.domain.health.ParentReport) in the heartbeats table, where the health
check reads it, and in its log, where a metric filter counts the beats for the alarm that
fires when no parent with a live enclave has reported.

The parent's role may put items into the enclave parents' partition of that table only, so a
parent host can speak for itself, never for the anchor function.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cms.domain.canonical import iso_utc, utc_now
from cms.domain.errors import DomainError
from cms.domain.health import ParentReport
from cms.ports.heartbeats import Heartbeats
from enclave_app.transport import Address, FrameError, request

log = logging.getLogger("cms.training_runner")
HEALTH_TIMEOUT_S = 5.0
BEAT_LINE = "heartbeat enclave=%s"  # what CmsEnclave's metric filter counts (enclave=ok)


def enclave_health(enclave: Address) -> dict[str, Any]:
    """The enclave's answer to ``health`` (its image's PCR0, whether it is simulated)."""
    response = request(enclave, {"op": "health"}, timeout_s=HEALTH_TIMEOUT_S)
    if not response.get("ok"):
        raise FrameError(f"the enclave refused the health request: {response.get('error')}")
    return dict(response["result"])


@dataclass
class ParentHeartbeat:
    heartbeats: Heartbeats
    enclave: Address
    instance: str = field(default_factory=socket.gethostname)
    interval_s: float = 30.0
    clock: Callable[[], datetime] = utc_now
    ask: Callable[[Address], dict[str, Any]] = enclave_health

    def beat(self) -> ParentReport:
        """One report; DependencyUnavailable if the table cannot take it."""
        try:
            health = self.ask(self.enclave)
        except (OSError, FrameError, KeyError, ValueError) as error:
            log.warning("the enclave does not answer: %s", error)
            report = ParentReport(self.instance, iso_utc(self.clock()), enclave_ok=False)
        else:
            pcr0, simulated = health.get("pcr0"), health.get("simulated")
            report = ParentReport(self.instance, iso_utc(self.clock()), True,
                                  pcr0 if isinstance(pcr0, str) else None,
                                  simulated if isinstance(simulated, bool) else None)
        self.heartbeats.beat(report.heartbeat())
        log.info(BEAT_LINE, "ok" if report.enclave_ok else "unreachable")
        return report

    def run(self, stopping: threading.Event,
            around: Callable[[], AbstractContextManager[Any]] = nullcontext,
            paused: Callable[[], bool] = lambda: False) -> None:
        """Beat until ``stopping`` is set; ``around`` each beat, none while ``paused()`` (the
        local stack's gate, and its tests that hold the parent)."""
        while True:
            try:
                if not paused():
                    with around():
                        self.beat()
            except DomainError as error:  # the next beat may get through
                log.warning("the heartbeat was not recorded: %s", error.detail)
            if stopping.wait(self.interval_s):
                return

    def start(self, stopping: threading.Event,
              around: Callable[[], AbstractContextManager[Any]] = nullcontext,
              paused: Callable[[], bool] = lambda: False) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(stopping, around, paused),
                                  daemon=True, name="parent-heartbeat")
        thread.start()
        return thread
