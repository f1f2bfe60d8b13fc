"""``cms``: the command-line client (Typer and rich). ``main(argv)`` returns the exit code."""

from __future__ import annotations

import json
import sys

import typer

from cms_client.cli.exit_codes import CliError, ExitCode, exit_code_for
from cms_client.cli.output import note
from cms_client.errors import ApiError


def main(argv: list[str] | None = None) -> int:
    from cms_client.cli.app import app

    try:
        result = app(args=argv, prog_name="cms", standalone_mode=False)
    except typer.Exit as done:
        return done.exit_code
    except (typer.Abort, KeyboardInterrupt):
        note("interrupted")
        return ExitCode.INTERRUPTED
    except typer.TyperException as error:
        # A usage error (unknown option, missing argument): Typer's message and hint.
        show = getattr(error, "show", None)
        if callable(show):
            show()
        else:
            note(f"error: {error}")
        return ExitCode.USAGE
    except ApiError as error:
        # The problem document as the API sent it: scripts parse it, people read `detail`.
        note(json.dumps(error.problem, indent=2, ensure_ascii=False))
        return exit_code_for(error)
    except CliError as error:
        note(f"error: {error}")
        return error.exit_code
    except (OSError, ValueError) as error:
        note(f"error: {error}")
        return ExitCode.USAGE
    return int(result) if isinstance(result, int) else ExitCode.OK


def run() -> None:
    """The console script's entry point."""
    sys.exit(main())
