"""A deployment's health: ``cms health [--details]``, ``cms chain-health``."""

from __future__ import annotations

import typer

from cms_client.cli.session import CliSession


def register(root: typer.Typer) -> None:
    root.command("health")(health)
    root.command("chain-health")(chain_health)


def health(ctx: typer.Context,
           details: bool = typer.Option(False, "--details",
                                        help="Each dependency's reason and resource (admins).")
           ) -> None:
    """Each dependency's state (public; --details for admins)."""
    session: CliSession = ctx.obj
    if details:
        session.emit(session.client().health_details())
    else:
        session.emit(session.client(signed_in=False).health())


def chain_health(ctx: typer.Context) -> None:
    """The chain this deployment anchors on, its latest block and the anchoring lag."""
    session: CliSession = ctx.obj
    session.emit(session.client(signed_in=False).chain_health())
