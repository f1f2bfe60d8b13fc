"""The root of ``cms``: global options, then one group of commands per resource.

Each group lives in ``cms_client.cli.commands.<module>`` as ``app`` (a Typer group) and/or
``register(root)`` (top-level commands such as ``cms login``).
"""

from __future__ import annotations

from importlib import metadata
from types import ModuleType
from typing import Annotated

import typer

from cms_client.cli.commands import (
    admin,
    auth,
    contracts,
    engine,
    health,
    identities,
    keys,
    ledger,
    profiles,
    templates,
    training,
    verify,
    webhooks,
)
from cms_client.cli.output import OutputFormat, Printer, default_format
from cms_client.cli.session import CliSession

app = typer.Typer(
    name="cms", no_args_is_help=True, pretty_exceptions_enable=False,
    help="The Contract Management System from the command line: keys stay on this machine, "
         "data goes to stdout (a table on a terminal, JSON when piped), messages to stderr. "
         "Exit codes: docs/cli.md.",
    context_settings={"help_option_names": ["-h", "--help"]})

# (command name, module): a module with ``app`` becomes ``cms NAME …``.
GROUPS: tuple[tuple[str, ModuleType], ...] = (
    ("contract", contracts),
    ("template", templates),
    ("training", training),
    ("engine", engine),
    ("webhook", webhooks),
    ("ledger", ledger),
    ("key", keys),
    ("profile", profiles),
    ("identity", identities),
    ("admin", admin),
)
# Modules that add top-level commands through ``register(root)``.
TOP_LEVEL: tuple[ModuleType, ...] = (auth, health, verify)

for name, module in GROUPS:
    app.add_typer(module.app, name=name)
for module in TOP_LEVEL:
    module.register(app)


def _profile_output(session: CliSession) -> OutputFormat | None:
    chosen = session.profile.output
    return OutputFormat(chosen) if chosen in set(OutputFormat) else None


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"cms {metadata.version('cms')}")
        raise typer.Exit()


@app.callback()
def _global_options(
    ctx: typer.Context,
    url: Annotated[str | None, typer.Option(
        "--url", envvar="CMS_URL", help="The API's base URL (default: the profile's).")] = None,
    profile: Annotated[str | None, typer.Option(
        "--profile", "-p", envvar="CMS_PROFILE",
        help="The profile to use (URL, key, output); default: the current one "
             "(cms profile use).")] = None,
    output: Annotated[OutputFormat | None, typer.Option(
        "--output", "-o", envvar="CMS_OUTPUT", case_sensitive=False,
        help="table, json or jsonl (default: table on a terminal, json when piped).")] = None,
    token: Annotated[str | None, typer.Option(
        "--token", envvar="CMS_TOKEN", hidden=True,
        help="An access token to use instead of the profile's.")] = None,
    version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print the version and exit.")] = False,
) -> None:
    session = CliSession(printer=Printer(OutputFormat.TABLE), url_option=url,
                         token_option=token, profile_name=profile)
    session.printer.output = output or _profile_output(session) or default_format()
    ctx.obj = session
    ctx.call_on_close(session.close)
