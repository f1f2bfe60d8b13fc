"""Heartbeats in memory (the port: cms.ports.heartbeats.Heartbeats)."""

from __future__ import annotations

import json
import threading

from cms.domain.health import Heartbeat


class MemoryHeartbeats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._beats: dict[tuple[str, str], Heartbeat] = {}

    def beat(self, heartbeat: Heartbeat) -> None:
        # Stored as JSON, as DynamoDB stores it: a reader never shares the writer's objects.
        stored = Heartbeat(heartbeat.component, heartbeat.instance, heartbeat.at,
                           json.loads(json.dumps(dict(heartbeat.state))))
        with self._lock:
            self._beats[(heartbeat.component, heartbeat.instance)] = stored

    def latest(self, component: str, limit: int = 20) -> list[Heartbeat]:
        with self._lock:
            beats = [beat for (name, _), beat in sorted(self._beats.items())
                     if name == component]
        return beats[:limit]
