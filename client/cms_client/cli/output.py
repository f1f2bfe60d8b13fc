"""Where the CLI's output goes and in what shape.

Data goes to stdout only, in the chosen format: a table on a terminal, JSON when piped, or
``-o table|json|jsonl``. Messages (progress, notes, warnings) go to stderr only, so that
``cms … | jq`` always reads clean data.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from enum import StrEnum
from itertools import islice
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.table import Column as TableColumn
from rich.table import Table
from rich.text import Text


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"


def default_format() -> OutputFormat:
    return OutputFormat.TABLE if sys.stdout.isatty() else OutputFormat.JSON


def plain(data: Any) -> Any:
    """JSON-ready data from SDK models, lists of them, or plain values."""
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(data, dict):
        return {key: plain(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [plain(item) for item in data]
    return data


class Column:
    """A table column: a dotted path into each item (``signatures.0.did``) and its header."""

    def __init__(self, path: str, header: str | None = None) -> None:
        self.path = path
        self.header = header or path.rsplit(".", 1)[-1].replace("_", " ")

    def value_of(self, item: Any) -> str:
        value = item
        for part in self.path.split("."):
            if isinstance(value, dict):
                value = value.get(part)
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                value = None
        return cell(value)


Columns = Sequence[Column | str]


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return inert(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return inert(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    return str(value)


def inert(text: str) -> str:
    """Server text made harmless for a terminal: control characters (escape sequences, a
    carriage return that would overwrite a line) are printed as escapes."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


class Printer:
    """Writes data in one format; ``stdout`` and ``stderr`` are rich consoles that follow
    whatever sys.stdout/sys.stderr are at the time (tests capture them)."""

    def __init__(self, output: OutputFormat) -> None:
        self.output = output
        self.stdout = Console(highlight=False, soft_wrap=False)
        self.stderr = Console(stderr=True, highlight=False)

    def emit(self, data: Any, columns: Columns | None = None) -> None:
        """One result: an object, or a list of objects."""
        value = plain(data)
        if isinstance(value, bytes):
            sys.stdout.buffer.write(value)
            sys.stdout.flush()
        elif self.output is OutputFormat.JSON:
            print(json.dumps(value, indent=2, ensure_ascii=False))
        elif self.output is OutputFormat.JSONL:
            for item in value if isinstance(value, list) else [value]:
                print(json.dumps(item, ensure_ascii=False, separators=(",", ":")))
        elif isinstance(value, list):
            self._table(value, columns)
        else:
            self._record(value, columns)

    def emit_items(self, items: Iterable[Any], columns: Columns | None = None, *,
                   limit: int | None = None, stream: bool = False) -> int:
        """A list that may span pages (or never end, with ``stream``): JSON collects it into
        one array; JSONL and a streamed table write each item as it arrives. Returns how
        many were written."""
        chosen = islice(items, limit) if limit is not None else items
        if self.output is OutputFormat.JSONL or (stream and self.output is OutputFormat.TABLE):
            count = 0
            for item in chosen:
                value = plain(item)
                if self.output is OutputFormat.JSONL:
                    print(json.dumps(value, ensure_ascii=False, separators=(",", ":")),
                          flush=True)
                else:
                    print("  ".join(_columns(value, columns)[1]), flush=True)
                count += 1
            return count
        collected = [plain(item) for item in chosen]
        self.emit(collected, columns)
        return len(collected)

    def note(self, message: str) -> None:
        note(message)

    def _table(self, items: list[Any], columns: Columns | None) -> None:
        if not items:
            self.note("(none)")
            return
        specs = _specs(items[0], columns)
        # Every header and cell is a Text, never markup: a title such as "[/x]" or
        # "[link=…]" from a counterparty stays literal. Long values fold onto more lines
        # rather than being cut with "…", so an id or DID can be copied from the table.
        table = Table(*(TableColumn(header=Text(inert(spec.header)), overflow="fold")
                        for spec in specs), show_lines=False)
        for item in items:
            table.add_row(*(Text(spec.value_of(item)) for spec in specs))
        self.stdout.print(table)

    def _record(self, value: Any, columns: Columns | None) -> None:
        if not isinstance(value, dict):
            self.stdout.print(cell(value), markup=False)
            return
        table = Table(TableColumn("field"), TableColumn("value", overflow="fold"),
                      show_header=False, box=None)
        for spec in _specs(value, columns):
            table.add_row(Text(inert(spec.header)), Text(spec.value_of(value)))
        self.stdout.print(table)


def note(message: str) -> None:
    """A message for the person at the terminal (stderr): never data. Messages often quote
    the server (a job's error, a problem's detail), so every line is made inert."""
    # soft_wrap: a message is one line however narrow the terminal (or 80 columns when
    # stderr is a pipe), so that a script's grep finds it whole.
    text = "\n".join(inert(line) for line in message.split("\n"))
    Console(stderr=True, highlight=False, soft_wrap=True).print(text, markup=False)


def _specs(sample: Any, columns: Columns | None) -> list[Column]:
    if columns:
        return [c if isinstance(c, Column) else Column(c) for c in columns]
    keys = list(sample) if isinstance(sample, dict) else ["value"]
    return [Column(key, key) for key in keys]


def _columns(value: Any, columns: Columns | None) -> tuple[list[str], list[str]]:
    specs = _specs(value, columns)
    return [spec.header for spec in specs], [spec.value_of(value) for spec in specs]
