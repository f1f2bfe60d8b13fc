"""A gate for the local stack's work in this process: function invocations and the enclave
parent's jobs pass through it; a test that points the process's AWS clients elsewhere for a
while (the contract tests' own moto) holds it, so that nothing of the stack runs against the
wrong endpoint meanwhile, and what is under way finishes first.

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
        self._active = 0
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

    @property
    def is_held(self) -> bool:
        """For long-running work (the enclave parent's jobs) that checks before starting
        rather than passing: a job can take minutes, and it invokes functions from other
        threads (moto's Lambda), which a held gate would stop while the job waited on them."""
        with self._condition:
            return bool(self._holders)

    @contextmanager
    def held(self) -> Iterator[None]:
        """No work passes until released; returns once the work under way is done."""
        with self._condition:
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
