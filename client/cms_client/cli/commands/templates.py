"""Contract templates: ``cms template list|get|versions|render|publish``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cms_client.cli.exit_codes import CliError
from cms_client.cli.inputs import assignments, read_json
from cms_client.cli.output import note
from cms_client.cli.session import CliSession
from cms_client.errors import NotFound

app = typer.Typer(help="Contract templates: browse, preview, publish (admins).",
                  no_args_is_help=True)

TEMPLATE_ID = typer.Argument(..., help="The template's id (e.g. ai_training).")
VERSION = typer.Option(None, "--version", min=1, help="A version (default: the latest).")
SUMMARY_COLUMNS = ("template_id", "version", "name", "category", "created_at")
VERSION_COLUMNS = ("id", "version", "name", "category", "content_hash", "created_at")
RECORDED = frozenset({"version", "content_hash", "created_at", "created_by"})


@app.command("list")
def list_templates(ctx: typer.Context) -> None:
    """Every template's latest version."""
    session: CliSession = ctx.obj
    session.emit(session.client().api.list_templates().items, columns=SUMMARY_COLUMNS)


@app.command("get")
def get(ctx: typer.Context, template_id: str = TEMPLATE_ID,
        version: int | None = VERSION) -> None:
    """A template version: schema, rules, body, terms, example."""
    session: CliSession = ctx.obj
    session.emit(session.client().template(template_id, version), columns=VERSION_COLUMNS)


@app.command("versions")
def versions(ctx: typer.Context, template_id: str = TEMPLATE_ID) -> None:
    """Every version of a template, oldest first."""
    session: CliSession = ctx.obj
    session.emit(session.client().api.list_template_versions(template_id).items,
                 columns=SUMMARY_COLUMNS)


@app.command("render")
def render(ctx: typer.Context, template_id: str = TEMPLATE_ID,
           variables: Annotated[list[str] | None, typer.Option(
               "--var", help="A variable as key=value (a.b=1 nests; JSON values parse).")
           ] = None,
           variables_file: Annotated[str | None, typer.Option(
               "--vars", help="The variables as a JSON object, from a file or '-'.")] = None,
           version: int | None = VERSION,
           out: Annotated[Path | None, typer.Option(
               "--out", help="Write the document to this file (.html: the HTML, else the "
                             "Markdown) instead of printing the preview.")] = None) -> None:
    """Preview what a contract made from the template now would get."""
    session: CliSession = ctx.obj
    request: dict[str, Any] = {"variables": _variables(variables, variables_file)}
    if version is not None:
        request["version"] = version
    preview = session.client().api.render_template(template_id, body=request)
    if out is None:
        session.emit(preview, columns=("template", "valid_from", "valid_until", "terms"))
        return
    document = preview.html if out.suffix.lower() in (".html", ".htm") else preview.markdown
    out.write_text(document, encoding="utf-8")
    note(f"wrote {out}")


def _variables(pairs: list[str] | None, source: str | None) -> dict[str, Any]:
    from_file = read_json(source) if source else {}
    if not isinstance(from_file, dict):
        raise CliError(f"{source} must hold a JSON object of variables")
    # --var wins over --vars: the file is the base, the command line the change.
    return _merged(from_file, assignments(pairs))


def _merged(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


@app.command("publish")
def publish(ctx: typer.Context,
            file: str = typer.Argument(..., help="The template definition (JSON with its "
                                                 "id; a `template get` answer works), or '-'."),
            base_version: Annotated[int | None, typer.Option(
                "--base-version", min=1,
                help="Revise only if this is still the latest version (default: the latest "
                     "now).")] = None) -> None:
    """Create a template, or add a version to an existing one (admins)."""
    session: CliSession = ctx.obj
    definition = read_json(file)
    template_id = definition.get("id") if isinstance(definition, dict) else None
    if not isinstance(template_id, str) or not template_id:
        raise CliError(f"{file} must be a JSON object with the template's 'id'")
    # What the platform records about a version is not part of a definition: dropped, so
    # that a `template get` answer can be published as it is.
    content = {key: value for key, value in definition.items() if key not in RECORDED}
    client = session.client()
    try:
        latest = client.template(template_id)
    except NotFound:
        session.emit(client.create_template(content), columns=VERSION_COLUMNS)
        note(f"created {template_id}, version 1")
        return
    revision = {key: value for key, value in content.items() if key != "id"}
    published = client.revise_template(template_id, revision,
                                       base_version=base_version or latest["version"])
    session.emit(published, columns=VERSION_COLUMNS)
    note(f"{template_id} is at version {published['version']}"
         + (" (unchanged: the content is identical)"
            if published["version"] == latest["version"] else ""))
