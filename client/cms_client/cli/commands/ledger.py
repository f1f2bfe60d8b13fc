"""The ledger this deployment anchors on: ``cms ledger status|info|batches``."""

from __future__ import annotations

from typing import Annotated

import typer

from cms_client.cli.session import CliSession

app = typer.Typer(help="The chain ledger that anchors every contract event.",
                  no_args_is_help=True)

BATCH_COLUMNS = ("first_seq", "last_seq", "count", "block_number", "confirmed_at", "lag_s",
                 "tx_hash")


@app.command("info")
def info(ctx: typer.Context) -> None:
    """The chain and ledger address (public); `pin` is what verify-receipt --ledger takes."""
    session: CliSession = ctx.obj
    session.emit(session.client(signed_in=False).api.get_ledger())


@app.command("status")
def status(ctx: typer.Context) -> None:
    """Whether the chain is reachable, the signer's balance, what is not yet anchored."""
    session: CliSession = ctx.obj
    session.emit(session.client().api.get_ledger_status())


@app.command("batches")
def batches(ctx: typer.Context,
            limit: Annotated[int, typer.Option(
                "--limit", min=1, max=50, help="How many of the latest batches (1-50).")] = 20
            ) -> None:
    """The most recent confirmed anchoring batches, newest first, with their lag."""
    session: CliSession = ctx.obj
    session.emit(session.client().api.list_ledger_batches(limit=limit).batches,
                 columns=BATCH_COLUMNS)
