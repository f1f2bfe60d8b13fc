"""Sessions: ``cms logout``, ``cms revoke-sessions``, and the older ``cms keygen``."""

from __future__ import annotations

import os

import typer

from cms_client.cli.session import CliSession
from cms_client.signers import Ed25519Signer, EthereumSigner


def register(root: typer.Typer) -> None:
    root.command("logout")(logout)
    root.command("revoke-sessions")(revoke_sessions)
    root.command("keygen", hidden=True)(keygen)


def logout(ctx: typer.Context) -> None:
    """Revoke this session's token (the identity's other sessions go on)."""
    session: CliSession = ctx.obj
    session.client().logout()
    session.emit({"logged_out": True})


def revoke_sessions(ctx: typer.Context,
                    did: str | None = typer.Argument(
                        None, help="Default: your own identity (another's only as an admin).")
                    ) -> None:
    """End every session of an identity."""
    session: CliSession = ctx.obj
    session.emit({"did": session.client().revoke_sessions(did), "sessions_revoked": True})


def keygen(ctx: typer.Context,
           key_type: str = typer.Option("eth", "--type", help="eth or ed25519")) -> None:
    """Print a new key pair in the clear (prefer `cms key create`, which encrypts it)."""
    session: CliSession = ctx.obj
    if key_type == "eth":
        signer = EthereumSigner()
        session.emit({"did": signer.did, "address": signer.public_key,
                      "private_key": signer.private_key})
        return
    seed = os.urandom(32)
    session.emit({"did": Ed25519Signer(seed).did, "seed_hex": seed.hex()})
