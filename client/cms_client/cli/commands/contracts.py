"""Contracts: ``cms contract …``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cms_client.cli.exit_codes import ExitCode
from cms_client.cli.session import CliSession

app = typer.Typer(help="Contracts: list, read, create, sign, move through their lifecycle.",
                  no_args_is_help=True)

CONTRACT_ID = typer.Argument(..., help="The contract's id.")


@app.command("get")
def get(ctx: typer.Context, contract_id: str = CONTRACT_ID) -> None:
    """A contract."""
    session: CliSession = ctx.obj
    session.emit(session.client().get_contract(contract_id))


@app.command("events")
def events(ctx: typer.Context, contract_id: str = CONTRACT_ID) -> None:
    """A contract's audit events, oldest first."""
    session: CliSession = ctx.obj
    session.emit(session.client().events(contract_id))


@app.command("verify")
def verify(ctx: typer.Context, contract_id: str = CONTRACT_ID) -> int:
    """The server's verification report; exits 2 when it is not valid."""
    session: CliSession = ctx.obj
    report = session.client().verify(contract_id)
    session.emit(report)
    return ExitCode.INVALID if report.get("valid") is False else ExitCode.OK


@app.command("receipt")
def receipt(ctx: typer.Context, contract_id: str = CONTRACT_ID,
            out: Annotated[Path | None, typer.Option(
                "--out", help="Write it to this file, not stdout.")] = None) -> None:
    """The contract's receipt, byte for byte as issued (check it with verify-receipt)."""
    session: CliSession = ctx.obj
    raw = session.client().receipt(contract_id)
    if out is not None:
        out.write_bytes(raw)
    else:
        session.emit(raw)
