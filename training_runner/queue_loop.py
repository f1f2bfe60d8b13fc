"""What both of the parent's queue loops (training, circuits) do with their queue: receive,
hand each message on (or give it back untouched while held), and keep serving through a
dependency outage or one job's refusal."""

from __future__ import annotations

import logging
from collections.abc import Callable

from cms.domain.errors import DependencyUnavailable, DomainError
from cms.ports.job_queue import JobMessage, JobQueue

log = logging.getLogger("cms.training_runner")


def handle_received(queue: JobQueue, handle: Callable[[JobMessage], None], *, wait_s: int,
                    hold_s: int, held: Callable[[], bool]) -> int:
    """Handle what the queue has; returns how many messages came. One received while
    ``held()`` goes back untouched (the local stack's tests hold the parent)."""
    messages = queue.receive(wait_s=wait_s, hold_s=hold_s)
    for message in messages:
        if held():
            queue.extend(message, 0)
        else:
            handle(message)
    return len(messages)


def serve(run_once: Callable[[], int], what: str, stopping: Callable[[], bool]) -> None:
    """``run_once`` until ``stopping()``: AWS unreachable is tried again shortly, and one
    job's refusal never stops the service."""
    while not stopping():
        try:
            run_once()
        except DependencyUnavailable as error:
            log.warning("%s queue unavailable: %s", what, error)
        except DomainError as error:
            log.error("a %s job was refused: %s", what, error)
