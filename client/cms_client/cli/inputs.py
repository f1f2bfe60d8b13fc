"""Reading what the user gives: JSON from a file or stdin, ``key=value`` pairs, and
confirmation of irreversible actions. Shared by every group so each reads input one way."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from cms.domain import strict_json
from cms_client.cli.exit_codes import CliError

YES_OPTION = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")


def read_bytes(source: str) -> bytes:
    """A file's bytes, or standard input's for ``-``."""
    if source == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(source).read_bytes()
    except OSError as error:
        raise CliError(f"cannot read {source}: {error.strerror or error}") from None


def read_json(source: str) -> Any:
    """JSON from a file or ``-``, read with bounded nesting and numbers (no NaN)."""
    try:
        return strict_json.loads(read_bytes(source))
    except ValueError as error:
        raise CliError(f"{source} is not valid JSON: {error}") from None


def assignments(pairs: list[str] | None) -> dict[str, Any]:
    """``key=value`` pairs; a value that parses as JSON is taken as JSON (numbers, true,
    lists), anything else as text. ``a.b=1`` nests."""
    result: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise CliError(f"'{pair}' is not key=value")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        target = result
        *parents, leaf = key.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
            if not isinstance(target, dict):
                raise CliError(f"'{key}' sets a field inside a value that is not an object")
        target[leaf] = value
    return result


def confirm(question: str, assume_yes: bool) -> None:
    """Ask before an irreversible action; refuse without a terminal unless ``--yes``."""
    if assume_yes:
        return
    if not sys.stdin.isatty():
        raise CliError(f"{question} Add --yes to confirm without a terminal.")
    if not typer.confirm(question, default=False, err=True):
        raise CliError("cancelled: nothing was done")
