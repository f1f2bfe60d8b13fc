"""Systematic interleavings of a few actors, one store call at a time.

Each actor runs in a thread of its own, but only one runs at any moment: every call through a
``Gated`` store first waits for the actor's turn, so a run is a sequence of store calls, and a
schedule says whose call comes next. ``explore`` runs every schedule with at most ``bound``
preemptions (a switch away from an actor that could have gone on), depth first, replaying a
schedule's prefix and branching at every later step: the CHESS approach (Musuvathi and Qadeer,
2007), which finds most concurrency bugs within two preemptions. Calls from other threads
(setup, a runner's heartbeat) pass through ungated.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

STEP_TIMEOUT_S = 30.0  # a call that never comes back is a deadlock, not a slow moto


class Deadlock(AssertionError):
    """An actor neither reached its next store call nor finished."""


@dataclass
class Step:
    ready: tuple[int, ...]  # the actors waiting at a call
    chosen: int
    label: str  # the call the chosen actor made


class Scheduler:
    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._actors: dict[int, int] = {}  # thread id → actor index
        self._waiting: dict[int, str] = {}  # actor → the call it waits to make
        self._done: set[int] = set()
        self._turn: int | None = None
        self.errors: dict[int, BaseException] = {}

    def step(self, label: str) -> None:
        """Called before each gated store call: wait for this actor's turn."""
        actor = self._actors.get(threading.get_ident())
        if actor is None:
            return  # not an actor: setup, or a helper thread
        with self._condition:
            self._waiting[actor] = label
            self._condition.notify_all()
            if not self._condition.wait_for(lambda: self._turn == actor, STEP_TIMEOUT_S):
                raise Deadlock(f"actor {actor} was never given its turn at {label}")
            self._turn = None
            del self._waiting[actor]
            self._condition.notify_all()

    def run(self, actors: Sequence[Callable[[], Any]], prefix: Sequence[int]) -> list[Step]:
        """Run the actors to the end: the first steps as ``prefix`` says, then without
        preemption (the last actor goes on while it can, else the lowest ready one)."""
        threads = [threading.Thread(target=self._actor, args=(index, body), daemon=True)
                   for index, body in enumerate(actors)]
        for thread in threads:
            thread.start()
        trace: list[Step] = []
        last: int | None = None
        while True:
            with self._condition:
                if not self._condition.wait_for(
                        lambda: len(self._waiting) + len(self._done) == len(actors),
                        STEP_TIMEOUT_S):
                    raise Deadlock(f"actors stuck after {[s.label for s in trace]}")
                ready = tuple(sorted(self._waiting))
                if not ready:
                    break
                if len(trace) < len(prefix):
                    chosen = prefix[len(trace)]
                    assert chosen in ready, (prefix, trace, ready)
                else:
                    chosen = last if last in ready else ready[0]
                trace.append(Step(ready, chosen, self._waiting[chosen]))
                last, self._turn = chosen, chosen
                self._condition.notify_all()
                if not self._condition.wait_for(lambda: self._turn is None, STEP_TIMEOUT_S):
                    raise Deadlock(f"actor {chosen} did not take its turn")
        for thread in threads:
            thread.join(STEP_TIMEOUT_S)
        return trace

    def _actor(self, index: int, body: Callable[[], Any]) -> None:
        self._actors[threading.get_ident()] = index
        try:
            self.step("start")
            body()
        except BaseException as error:  # reported by the caller, with the schedule
            self.errors[index] = error
        finally:
            with self._condition:
                self._done.add(index)
                self._condition.notify_all()


class Gated:
    """A store whose every method call is one step of the schedule."""

    def __init__(self, target: Any, scheduler: Callable[[], Scheduler], name: str) -> None:
        self._target = target
        self._scheduler = scheduler  # the current run's (a new one per schedule)
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        value = getattr(self._target, attribute)
        if not callable(value):
            return value

        def gated(*args: Any, **kwargs: Any) -> Any:
            self._scheduler().step(f"{self._name}.{attribute}")
            return value(*args, **kwargs)

        return gated


def preemptions(trace: Sequence[Step]) -> int:
    """Switches away from an actor that was ready to go on."""
    return sum(1 for before, step in itertools.pairwise(trace)
               if step.chosen != before.chosen and before.chosen in step.ready)


def explore(run: Callable[[Sequence[int]], list[Step]], bound: int) -> Iterator[list[Step]]:
    """Every schedule with at most ``bound`` preemptions, each run once: ``run(prefix)``
    runs a fresh world under that prefix and returns its trace (checking its invariants)."""
    pending: list[list[int]] = [[]]
    while pending:
        prefix = pending.pop()
        trace = run(prefix)
        yield trace
        for index in range(len(prefix), len(trace)):
            for other in trace[index].ready:
                if other == trace[index].chosen:
                    continue
                branch = [*(step.chosen for step in trace[:index]), other]
                if preemptions(_as_steps(trace[:index], other, trace[index].ready)) <= bound:
                    pending.append(branch)


def _as_steps(head: Sequence[Step], chosen: int, ready: tuple[int, ...]) -> list[Step]:
    return [*head, Step(ready, chosen, "")]
