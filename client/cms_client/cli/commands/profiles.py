"""``cms profile``: named settings (the API's URL, the key, the output format) and which one
is current. ``--profile``/``CMS_PROFILE`` choose another for one command."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cms_client.cli.config import Profile, Profiles, TokenCache, check_name
from cms_client.cli.exit_codes import CliError
from cms_client.cli.inputs import YES_OPTION, confirm
from cms_client.cli.keystore import KeyStore
from cms_client.cli.output import OutputFormat, note
from cms_client.cli.session import DEFAULT_URL, CliSession

app = typer.Typer(help="Profiles: the API's URL, the key and the output format, by name.",
                  no_args_is_help=True)

COLUMNS = ["name", "current", "url", "key", "output"]


def _shown(profile: Profile, current: str) -> dict[str, Any]:
    return {"name": profile.name, "current": profile.name == current, "url": profile.url,
            "key": profile.key, "output": profile.output}


@app.command("list")
def list_profiles(ctx: typer.Context) -> None:
    """Every profile; the current one is marked."""
    session: CliSession = ctx.obj
    profiles = Profiles.load()
    named = dict(profiles.profiles)
    named.setdefault(profiles.current, Profile(profiles.current))
    session.emit([_shown(p, profiles.current) for _, p in sorted(named.items())],
                 columns=COLUMNS)


@app.command("show")
def show(ctx: typer.Context,
         name: Annotated[str | None, typer.Argument(
             help="Default: the profile in use.")] = None) -> None:
    """A profile's settings and what this command would use (URL after --url/CMS_URL)."""
    session: CliSession = ctx.obj
    profiles = Profiles.load()
    profile = profiles.get(name) if name else session.profile
    shown = _shown(profile, profiles.current)
    if name is None:
        shown["effective_url"] = session.api_url
    login = TokenCache().get(profile.name)
    shown["logged_in_as"] = login.did if login else None
    session.emit(shown)


@app.command("set")
def set_profile(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Default: the profile in use.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="The API's base URL.")] = None,
    key: Annotated[str | None, typer.Option("--key", help="A key name (cms key list).")] = None,
    output: Annotated[OutputFormat | None, typer.Option(
        "--output", case_sensitive=False, help="table, json or jsonl.")] = None,
    unset: Annotated[list[str] | None, typer.Option(
        "--unset", help="Clear a setting: url, key or output (repeatable).")] = None,
) -> None:
    """Create or change a profile."""
    session: CliSession = ctx.obj
    profiles = Profiles.load()
    profile = profiles.get(check_name(name, "profile") if name else session.profile.name)
    if url is not None:
        if not url.startswith(("http://", "https://")):
            raise CliError(f"--url must start with http:// or https://, not '{url}'")
        profile.url = url.rstrip("/")
    if key is not None:
        KeyStore().entry(key)  # a key that exists, or a clear refusal now rather than later
        profile.key = key
    if output is not None:
        profile.output = output.value
    for setting in unset or []:
        if setting not in {"url", "key", "output"}:
            raise CliError(f"--unset takes url, key or output, not '{setting}'")
        setattr(profile, setting, None)
    profiles.profiles[profile.name] = profile
    profiles.save()
    session.emit(_shown(profile, profiles.current))


@app.command("use")
def use(ctx: typer.Context, name: str) -> None:
    """Make a profile the current one (for commands without --profile or CMS_PROFILE)."""
    session: CliSession = ctx.obj
    profiles = Profiles.load()
    check_name(name, "profile")
    if name not in profiles.profiles:
        profiles.profiles[name] = Profile(name)
        note(f"profile '{name}' is new: it uses {DEFAULT_URL} until `cms profile set --url`")
    profiles.current = name
    profiles.save()
    session.emit(_shown(profiles.profiles[name], name))


@app.command("delete")
def delete(ctx: typer.Context, name: str, yes: bool = YES_OPTION) -> None:
    """Forget a profile and its cached login (its key stays in the store)."""
    session: CliSession = ctx.obj
    profiles = Profiles.load()
    if name not in profiles.profiles:
        raise CliError(f"no profile named '{name}'")
    confirm(f"Delete profile '{name}'?", yes)
    del profiles.profiles[name]
    if profiles.current == name:
        profiles.current = "default"
    profiles.save()
    TokenCache().forget(name)
    session.emit({"name": name, "deleted": True})
