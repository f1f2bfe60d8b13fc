"""The queue that hands jobs (training runs, circuit evaluations) to the enclave's parent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class JobMessage:
    body: dict[str, Any]
    receipt: str
    receives: int  # how many times the queue has handed this message out


class JobQueue(Protocol):
    """At-least-once delivery with a hold: a received message is invisible to other
    receivers for ``hold_s`` seconds, then comes back unless deleted."""

    def send(self, job: dict[str, Any]) -> None:
        """DependencyUnavailable if the queue cannot take it."""

    def receive(self, wait_s: int = 20, hold_s: int = 300,
                max_messages: int = 1) -> list[JobMessage]:
        """Up to ``max_messages`` visible messages, in no promised order (waiting up to
        ``wait_s`` for one where the queue can wait), each held ``hold_s`` seconds."""

    def extend(self, message: JobMessage, hold_s: int) -> None:
        """Hold the message ``hold_s`` seconds from now (0: give it back at once)."""

    def delete(self, message: JobMessage) -> None: ...
