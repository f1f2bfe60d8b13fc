"""``cms``: the command-line client (Typer and rich). ``main(argv)`` returns the exit code."""

from __future__ import annotations

import json
import sys

import typer
from pydantic import ValidationError

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
    except ValidationError as error:
        # A body the SDK's model refused before sending: each field and why, not the model's
        # whole dump (a URL pattern is hundreds of characters).
        note("error: the request is not valid (checked before sending):")
        for where, why in field_problems(error):
            note(f"  {where}: {why}")
        return ExitCode.VALIDATION
    except CliError as error:
        note(f"error: {error}")
        return error.exit_code
    except (OSError, ValueError) as error:
        note(f"error: {error}")
        return ExitCode.USAGE
    return int(result) if isinstance(result, int) else ExitCode.OK


def field_problems(error: ValidationError) -> list[tuple[str, str]]:
    """(field, why) for each refused field; a pattern mismatch says what the field is (its
    description in the API's document) rather than printing the pattern."""
    from cms_client.generated import models

    model = getattr(models, error.title, None)
    fields = getattr(model, "model_fields", {})
    problems = []
    for problem in error.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in problem["loc"]) or "(body)"
        why = problem["msg"]
        if problem["type"] == "string_pattern_mismatch":
            field = fields.get(str(problem["loc"][0])) if problem["loc"] else None
            described = getattr(field, "description", None)
            why = "not in the form the API accepts" + (f" ({described})" if described else "")
        problems.append((where, why))
    return problems


def run() -> None:
    """The console script's entry point."""
    sys.exit(main())
