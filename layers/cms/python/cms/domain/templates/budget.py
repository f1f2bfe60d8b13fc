"""What one render may spend: steps, the size of every value it builds, the total it builds,
its output, and (a last resort) wall-clock time.

A render is the whole of using a template once: checking the variables against the schema and
the rules, then running the body. Every step of either charges the budget in force
(``metering``): a schema keyword applied, an attribute read, an operator, a filter, a loop
iteration (priced by the size of the loop's body), an output. Work proportional to a value's
size costs one step per ``SIZE_PER_STEP`` characters or items, so that no step is more than a
few microseconds of work (200,000 steps take about a second), and the clock, read at every
step, stops anything the step count misjudged. Values are measured *before* they are built
wherever the size is known in advance (concatenation, ``join``, ``replace``, conversion to
text), so no step allocates more than the value limit.

A value's size is what writing it out costs: characters for text, one per number, and for
lists and objects one plus the sizes of their members, counted as often as a member occurs
(``[x, x]`` costs twice ``x``: its text would repeat it). Sizes are memoised per object for the
render, so measuring a value built from measured parts costs its length, not its size.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from cms.domain.errors import RenderLimitExceeded

SIZE_PER_STEP = 16  # items a Python loop handles in a few microseconds
MAX_SAFE_NUMBER = 2**53 - 1  # I-JSON: what every client reads exactly
MAX_VALUE_DEPTH = 64  # lists within lists: str() and == recurse once per level, in C


@dataclass(frozen=True)
class RenderLimits:
    """Defaults: a render of a built-in template takes a few hundred steps and well under a
    millisecond; these leave room for templates a hundred times larger."""

    operations: int = 200_000
    value_chars: int = 256 * 1024  # any one string or list the render builds
    produced_chars: int = 4 * 1024 * 1024  # everything it builds, together (its memory)
    output_chars: int = 256 * 1024  # the rendered Markdown
    # The whole render, its document's conversion to HTML and PDF included (256 KiB of
    # ordinary Markdown convert in under 2 s; crafted Markdown is slower per character).
    seconds: float = 5.0


DEFAULT_LIMITS = RenderLimits()
_CONTAINERS = (list, tuple, dict)


class RenderBudget:
    def __init__(self, limits: RenderLimits = DEFAULT_LIMITS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.steps = 0
        self.produced = 0
        self._clock = clock
        self._deadline = clock() + limits.seconds
        self._sizes: dict[int, tuple[Any, int, int]] = {}  # id → (value, size, depth)

    # ------------------------------------------------------------ time and steps

    def charge(self, steps: int = 1) -> None:
        self.steps += steps
        if self.steps > self.limits.operations:
            raise RenderLimitExceeded(f"rendering took more than {self.limits.operations} "
                                      "steps", "operations")
        self.check_time()

    def check_time(self) -> None:
        """RenderLimitExceeded once the render has run its ``seconds``: also called by the
        conversion of its Markdown into HTML and PDF, which takes no steps of its own."""
        if self._clock() > self._deadline:
            raise RenderLimitExceeded(f"rendering took longer than {self.limits.seconds} s",
                                      "time")

    def charge_for(self, *values: Any, factor: int = 1) -> None:
        """One step, plus one per ``SIZE_PER_STEP`` of the values' sizes (times ``factor``)."""
        self.charge(1 + factor * sum(self.size_of(value) for value in values) // SIZE_PER_STEP)

    # ------------------------------------------------------------ sizes

    def size_of(self, value: Any) -> int:
        if isinstance(value, str):
            return len(value)
        if not isinstance(value, _CONTAINERS):
            return 1
        return self._measured(value)[0]

    def depth_of(self, value: Any) -> int:
        return self._measured(value)[1] if isinstance(value, _CONTAINERS) else 0

    def _measured(self, value: Any) -> tuple[int, int]:
        known = self._sizes.get(id(value))
        if known is None:
            self._measure(value)
            known = self._sizes[id(value)]
        return known[1], known[2]

    def _measure(self, root: Any) -> None:
        """Sizes of ``root`` and every container in it not measured yet, without recursion
        (a value may nest deeper than the interpreter's stack)."""
        stack: list[tuple[Any, bool]] = [(root, False)]
        while stack:
            value, ready = stack.pop()
            if id(value) in self._sizes:
                continue
            members = _members(value)
            if not ready:
                stack.append((value, True))
                stack.extend((member, False) for member in members
                             if isinstance(member, _CONTAINERS))
                continue
            size, depth = 1, 1
            for member in members:
                size += self.size_of(member)
                depth = max(depth, 1 + self.depth_of(member))
            self.charge(1 + len(members) // SIZE_PER_STEP)
            self._sizes[id(value)] = (value, size, depth)

    # ------------------------------------------------------------ what a render builds

    def check_size(self, size: int, what: str = "a value") -> None:
        """Refuse to build a value of ``size`` (called before building it where possible)."""
        if size > self.limits.value_chars:
            raise RenderLimitExceeded(f"{what} would be larger than "
                                      f"{self.limits.value_chars} characters", "value_size")

    def produce(self, value: Any) -> Any:
        """Account for a value the render has just built, and return it."""
        size = self.size_of(value)
        self.check_size(size)
        if self.depth_of(value) > MAX_VALUE_DEPTH:
            raise RenderLimitExceeded(f"a value would nest deeper than {MAX_VALUE_DEPTH} "
                                      "levels", "nesting")
        self.produced += size
        if self.produced > self.limits.produced_chars:
            raise RenderLimitExceeded(f"rendering built more than "
                                      f"{self.limits.produced_chars} characters of values",
                                      "produced_size")
        self.charge(1 + size // SIZE_PER_STEP)
        return value

    def number(self, value: Any) -> Any:
        """A number the render computed, within ±(2^53-1) and finite."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return value
        if not (math.isfinite(value) and -MAX_SAFE_NUMBER <= value <= MAX_SAFE_NUMBER):
            raise RenderLimitExceeded(f"a computed number is beyond ±{MAX_SAFE_NUMBER}",
                                      "number")
        return value


def _members(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [*value.keys(), *value.values()]
    return list(value) if isinstance(value, list | tuple) else []


_CURRENT: ContextVar[RenderBudget | None] = ContextVar("cms_render_budget", default=None)


@contextmanager
def metering(budget: RenderBudget) -> Iterator[RenderBudget]:
    """Make ``budget`` the one every metered step in this context charges."""
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        _CURRENT.reset(token)


@contextmanager
def metered(limits: RenderLimits = DEFAULT_LIMITS) -> Iterator[RenderBudget]:
    """The budget in force, or a new one with ``limits`` for the duration."""
    budget = _CURRENT.get()
    if budget is not None:
        yield budget
        return
    with metering(RenderBudget(limits)) as budget:
        yield budget


def current() -> RenderBudget:
    budget = _CURRENT.get()
    if budget is None:  # a metered step outside a render: a bug, never the caller's
        raise RuntimeError("a template step ran outside a metered render")
    return budget
