"""``cms identity``: profiles, roles and status (admins), audit chains and DID documents."""

from __future__ import annotations

from typing import Annotated

import typer

from cms.domain.identity import IdentityStatus, Role
from cms_client.cli.exit_codes import CliError
from cms_client.cli.inputs import YES_OPTION, confirm
from cms_client.cli.session import CliSession

app = typer.Typer(help="Identities: your own, and (admins) everyone's roles and status.",
                  no_args_is_help=True)

COLUMNS = ["did", "name", "type", "status", "roles", "created_at"]
EVENT_COLUMNS = ["seq", "type", "actor", "at"]


# The domain's own enums: the choices the CLI offers are exactly what the API takes.
Status = IdentityStatus


DidArgument = Annotated[str, typer.Argument(help="The identity's DID.")]


@app.command("me")
def me(ctx: typer.Context) -> None:
    """Your own identity, with its credentials."""
    session: CliSession = ctx.obj
    session.emit(session.client().api.get_me(), columns=COLUMNS)


@app.command("get")
def get(ctx: typer.Context, did: DidArgument) -> None:
    """An identity (yours; anyone's for auditors and admins)."""
    session: CliSession = ctx.obj
    session.emit(session.client().api.get_identity(did), columns=COLUMNS)


@app.command("list")
def list_identities(
    ctx: typer.Context,
    status: Annotated[Status | None, typer.Option("--status")] = None,
    role: Annotated[Role | None, typer.Option("--role")] = None,
    q: Annotated[str | None, typer.Option(
        "--q", help="A DID prefix, or a part of the name or DID.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1,
                                              help="Stop after N identities.")] = None,
) -> None:
    """Every identity (admins), by status then DID."""
    session: CliSession = ctx.obj
    identities = session.client().api.iter_list_identities(
        status=status and status.value, role=role and role.value, q=q, limit=100)
    session.emit_items(identities, columns=COLUMNS, limit=limit)


@app.command("roles")
def roles(
    ctx: typer.Context, did: DidArgument,
    add: Annotated[list[Role] | None, typer.Option("--add", help="Grant (repeatable).")] = None,
    remove: Annotated[list[Role] | None, typer.Option(
        "--remove", help="Withdraw (repeatable).")] = None,
) -> None:
    """Grant or withdraw admin, auditor or enclave (admins); without options, show them."""
    session: CliSession = ctx.obj
    api = session.client().api
    current: list[str] = list(api.get_identity(did).roles)
    if not add and not remove:
        session.emit({"did": did, "roles": current})
        return
    overlap = set(add or []) & set(remove or [])
    if overlap:
        raise CliError(f"both added and removed: {', '.join(sorted(overlap))}")
    wanted = [r for r in current if r not in set(remove or [])]
    wanted += [r.value for r in add or [] if r.value not in wanted]
    session.emit(api.administer_identity(did, body={"roles": wanted}), columns=COLUMNS)


def _set_status(ctx: typer.Context, did: str, status: Status, question: str,
                yes: bool) -> None:
    session: CliSession = ctx.obj
    confirm(question, yes)
    # The API refuses an admin locking themselves out; its problem says so (exit 7 or 8).
    session.emit(session.client().api.administer_identity(did, body={"status": status.value}),
                 columns=COLUMNS)


@app.command("suspend")
def suspend(ctx: typer.Context, did: DidArgument, yes: bool = YES_OPTION) -> None:
    """Suspend an identity (admins): every session ends, sign-in is refused."""
    _set_status(ctx, did, Status.SUSPENDED,
                f"Suspend {did}? Its sessions end and it can no longer sign in.", yes)


@app.command("reactivate")
def reactivate(ctx: typer.Context, did: DidArgument, yes: bool = YES_OPTION) -> None:
    """Make a suspended identity active again (admins); earlier tokens stay revoked."""
    _set_status(ctx, did, Status.ACTIVE, f"Reactivate {did}?", yes)


@app.command("events")
def events(ctx: typer.Context, did: DidArgument) -> None:
    """The identity's audit chain: registered, keys added, updated, sessions revoked."""
    session: CliSession = ctx.obj
    session.emit(session.client().api.list_identity_events(did).events, columns=EVENT_COLUMNS)


@app.command("did-document")
def did_document(ctx: typer.Context, did: DidArgument) -> None:
    """The DID document the platform resolves for an identity."""
    session: CliSession = ctx.obj
    session.emit(session.client().api.get_did_document(did))
