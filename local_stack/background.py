"""A gate for the local stack's work in this process: function invocations pass through it,
the enclave parent's jobs start only while it is open; a test that points the process's AWS
clients elsewhere for a while (the contract tests' own moto) holds it, so that nothing of the
stack runs against the wrong endpoint meanwhile, and what is under way finishes first.

The functions share this process (and its clients, which read the environment when made) with
such tests: Lambda gives each function a process of its own, which is what holding the gate
stands in for.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Gate:
    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._holders = 0
        self._waiting = 0  # holders waiting for jobs to end
        self._active = 0
        self._jobs = 0
        self._local = threading.local()

    @contextmanager
    def passage(self) -> Iterator[None]:
        """Around one piece of work; waits while the gate is held. Reentrant in a thread (a
        function invoking another passes once)."""
        depth = getattr(self._local, "depth", 0)
        if depth == 0:
            with self._condition:
                while self._holders:
                    self._condition.wait()
                self._active += 1
        self._local.depth = depth + 1
        try:
            yield
        finally:
            self._local.depth = depth
            if depth == 0:
                with self._condition:
                    self._active -= 1
                    self._condition.notify_all()

    @contextmanager
    def job(self) -> Iterator[bool]:
        """Around long work that other work serves from other threads (an enclave parent's
        job invokes functions through moto's Lambda): admitted (True) only while no one holds
        or waits to hold the gate, and a holder waits for it to end while passages still flow
        (were they stopped first, the job would wait on them for ever)."""
        with self._condition:
            admitted = not (self._holders or self._waiting)
            self._jobs += admitted
        try:
            yield admitted
        finally:
            if admitted:
                with self._condition:
                    self._jobs -= 1
                    self._condition.notify_all()

    @property
    def is_held(self) -> bool:
        """Held, or about to be: a job under way should put back what it has not begun."""
        with self._condition:
            return bool(self._holders or self._waiting)

    @contextmanager
    def held(self) -> Iterator[None]:
        """No work passes until released; returns once the work under way is done: the jobs
        first (passages flowing meanwhile), then the passages."""
        with self._condition:
            self._waiting += 1
            while self._jobs:
                self._condition.wait()
            self._waiting -= 1
            self._holders += 1
            while self._active:
                self._condition.wait()
        try:
            yield
        finally:
            with self._condition:
                self._holders -= 1
                self._condition.notify_all()


GATE = Gate()
