"""Running one action per row with bounded concurrency: a progress bar on stderr, a JSONL
report line per row as it finishes, and a graceful stop on Ctrl-C.

Rows run on a thread pool (the work is HTTP round trips; httpx's Client is thread-safe, so
the rows share one). The first Ctrl-C stops starting rows and lets the running ones finish,
so that every row that reached the API has its line in the report; a second one aborts,
still writing the lines of the rows that finish while the pool shuts down.
"""

from __future__ import annotations

import hashlib
import json
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cms.domain.canonical import canonical_json
from cms_client.cli.exit_codes import ExitCode
from cms_client.cli.output import note
from cms_client.errors import ApiError

# A row's outcome in the report.
CREATED, EXISTS, SIGNED, TRANSITIONED = "created", "exists", "signed", "transitioned"
SKIPPED, FAILED, PLANNED = "skipped", "failed", "dry-run"


@dataclass
class Outcome:
    """One row's line in the report: ``row`` is its 1-based position in the input."""

    row: int
    status: str
    id: str | None = None
    problem: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, "id": self.id, "status": self.status,
                "problem": self.problem, **self.extra}


@dataclass
class Row:
    """One unit of work: its position and what the action needs to know about it."""

    number: int
    data: dict[str, Any]


Action = Callable[[Row], Outcome]


def problem_of(error: Exception) -> dict[str, Any]:
    """What goes in a failed row's ``problem``: the API's problem document, or ours."""
    if isinstance(error, ApiError):
        return {"status": error.status, **error.problem, "code": error.code}
    return {"code": "local_error", "detail": str(error)}


def guarded(action: Action) -> Action:
    """An action whose errors become the row's failure instead of ending the run."""

    def run(row: Row) -> Outcome:
        try:
            return action(row)
        except (ApiError, ValueError, KeyError, TypeError, OSError) as error:
            return Outcome(row.number, FAILED, problem=problem_of(error))

    return run


def row_idempotency_key(row: Row, body: dict[str, Any]) -> str:
    """The same row (its content and its position) gives the same key in every run, so a
    run started again after being killed gets the contracts already created back instead of
    creating them twice; a row edited since gets a new key (and a new contract)."""
    material = canonical_json({"row": row.number, "body": body})
    return "cms-bulk-" + hashlib.sha256(material).hexdigest()[:48]


class Report:
    """The JSONL report: one line per row, flushed as it is written, so a run killed with
    SIGKILL still leaves every finished row's line. A file is appended to: the lines of an
    earlier (killed) run stay, and each row's last line is its latest outcome."""

    def __init__(self, path: Path | None) -> None:
        self._file: IO[str] | None = path.open("a", buffering=1) if path else None
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {}

    def write(self, outcome: Outcome) -> None:
        # sys.stdout looked up at each write: on a terminal the progress bar redirects it so
        # that report lines print above the bar instead of through it.
        out = self._file or sys.stdout
        with self._lock:
            out.write(json.dumps(outcome.to_json(), ensure_ascii=False,
                                 separators=(",", ":")) + "\n")
            out.flush()
            self.counts[outcome.status] = self.counts.get(outcome.status, 0) + 1

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


@dataclass
class BulkRun:
    concurrency: int = 4
    description: str = "rows"
    # Set by the first Ctrl-C; actions that wait (on a server's Retry-After) wait on it.
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, rows: Iterable[Row], action: Action, report: Report,
            total: int | None = None) -> int:
        """Run ``action`` on every row; returns the exit code (0, 11 if a row failed, 130
        if interrupted)."""
        if self.concurrency < 1:
            raise ValueError("--concurrency must be at least 1")
        with _progress(self.description, total) as advance, \
                _first_interrupt_sets(self.stop), \
                ThreadPoolExecutor(self.concurrency, thread_name_prefix="cms-bulk") as pool:
            self._drive(iter(rows), guarded(action), pool, report, advance)
        return self._exit_code(report, interrupted=self.stop.is_set())

    def _drive(self, rows: Iterator[Row], action: Action, pool: ThreadPoolExecutor,
               report: Report, advance: Callable[[], None]) -> None:
        unreported: set[Future[Outcome]] = set()
        try:
            while True:
                while len(unreported) < self.concurrency and not self.stop.is_set():
                    row = next(rows, None)
                    if row is None:
                        break
                    unreported.add(pool.submit(action, row))
                if not unreported:
                    return
                # A timeout so that a Ctrl-C is seen soon even while every row is slow.
                done, _ = wait(unreported, timeout=0.5, return_when=FIRST_COMPLETED)
                for finished in done:
                    report.write(finished.result())
                    unreported.discard(finished)
                    advance()
        except KeyboardInterrupt:
            # The second Ctrl-C. Threads cannot be killed: the pool waits for the running
            # rows anyway, so their outcomes are written too (a third Ctrl-C skips that).
            self.stop.set()
            for finished in as_completed(unreported):
                report.write(finished.result())
            raise

    @staticmethod
    def _exit_code(report: Report, *, interrupted: bool) -> int:
        summary = ", ".join(f"{count} {status}" for status, count in sorted(report.counts.items()))
        note(f"{'interrupted: ' if interrupted else ''}{summary or 'nothing to do'}")
        if interrupted:
            return ExitCode.INTERRUPTED
        return ExitCode.PARTIAL if report.counts.get(FAILED) else ExitCode.OK


@contextmanager
def _progress(description: str, total: int | None) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr when it is a terminal; nothing otherwise (logs stay clean)."""
    if not sys.stderr.isatty():
        yield lambda: None
        return
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=Console(stderr=True), transient=False)
    with progress:
        task = progress.add_task(description, total=total)
        yield lambda: progress.advance(task)


@contextmanager
def _first_interrupt_sets(stop: threading.Event) -> Iterator[None]:
    """The first SIGINT sets ``stop``; the handler then steps aside, so a second one
    interrupts as usual. Signal handlers can only be set from the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)

    def on_interrupt(signum: int, frame: Any) -> None:
        stop.set()
        note("stopping: no new rows; waiting for the running ones (Ctrl-C again to abort)")
        signal.signal(signal.SIGINT, previous)

    signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
