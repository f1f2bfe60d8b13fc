"""A job queue in memory (the port: cms.ports.job_queue.JobQueue): SQS's hold and receive
count, without its waiting (``receive`` answers at once)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cms.domain.errors import DependencyUnavailable
from cms.ports.job_queue import JobMessage


@dataclass
class _Entry:
    body: str  # as sent: JSON text, so a receiver never shares the sender's objects
    visible_at: float = 0.0
    receives: int = 0


class MemoryJobQueue:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}  # by message id, in the order sent
        self._receipts: dict[str, str] = {}  # receipt → message id
        self._clock = clock

    def send(self, job: dict[str, Any]) -> None:
        body = json.dumps(job, separators=(",", ":"), sort_keys=True)
        with self._lock:
            self._entries[uuid.uuid4().hex] = _Entry(body)

    def receive(self, wait_s: int = 20, hold_s: int = 300,
                max_messages: int = 1) -> list[JobMessage]:
        now, received = self._clock(), []
        with self._lock:
            for message_id, entry in self._entries.items():
                if len(received) == max_messages:
                    break
                if entry.visible_at <= now:
                    entry.visible_at, entry.receives = now + hold_s, entry.receives + 1
                    receipt = uuid.uuid4().hex
                    self._receipts[receipt] = message_id
                    received.append(JobMessage(json.loads(entry.body), receipt,
                                               entry.receives))
        return received

    def extend(self, message: JobMessage, hold_s: int) -> None:
        with self._lock:
            entry = self._entries.get(self._receipts.get(message.receipt, ""))
            if entry is None:  # as SQS: a deleted message's hold cannot change
                raise DependencyUnavailable("the training job's message is gone")
            entry.visible_at = self._clock() + hold_s

    def delete(self, message: JobMessage) -> None:
        with self._lock:
            self._entries.pop(self._receipts.pop(message.receipt, ""), None)

    def waiting(self) -> list[dict[str, Any]]:
        """Every message not deleted, held or not (what a test inspects)."""
        with self._lock:
            return [json.loads(entry.body) for entry in self._entries.values()]
