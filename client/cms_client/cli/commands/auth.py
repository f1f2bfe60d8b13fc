"""Identity and sessions: ``cms register``, ``cms login``, ``cms logout``, ``cms whoami``,
``cms revoke-sessions``, and the older ``cms keygen``."""

from __future__ import annotations

import os
from contextlib import closing, suppress
from datetime import UTC, datetime
from typing import Annotated

import typer

from cms_client.cli.config import TokenCache, now
from cms_client.cli.output import note
from cms_client.cli.session import CliSession
from cms_client.client import CmsClient
from cms_client.errors import AuthenticationFailed, NotFound
from cms_client.signers import Ed25519Signer, EthereumSigner

IDENTITY_COLUMNS = ["did", "name", "type", "status", "roles", "created_at"]


def register(root: typer.Typer) -> None:
    root.command("register")(register_identity)
    root.command("login")(login)
    root.command("logout")(logout)
    root.command("whoami")(whoami)
    root.command("revoke-sessions")(revoke_sessions)
    root.command("keygen", hidden=True)(keygen)


def register_identity(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option("--name", help="A display name.")] = None,
    identity_type: Annotated[str | None, typer.Option(
        "--type", help="user or machine (default: user).")] = None,
) -> None:
    """Register the profile's key (its DID and public key) with the API."""
    session: CliSession = ctx.obj
    signer = session.signer()
    extra = {k: v for k, v in {"name": name, "type": identity_type}.items() if v is not None}
    session.emit(session.client(signed_in=False).register(signer, **extra),
                 columns=["did", "credential.verification_method"])


def login(
    ctx: typer.Context,
    print_token: Annotated[bool, typer.Option(
        "--print-token", help="Also print the token (for another tool; keep it secret).")
    ] = False,
) -> None:
    """Sign in with the profile's key (the challenge is checked to be for this URL) and keep
    the token for this profile until it expires."""
    session: CliSession = ctx.obj
    try:
        cached = session.login(session.client(signed_in=False), session.signer())
    except NotFound:
        note("this key's DID is not registered here: `cms register` first")
        raise
    shown = {"did": cached.did, "url": cached.url, "profile": session.profile.name,
             "expires_at": datetime.fromtimestamp(cached.expires_at, UTC).isoformat()}
    if print_token:
        shown["token"] = cached.token
    session.emit(shown)


def logout(ctx: typer.Context) -> None:
    """Revoke this session's token (the identity's other sessions go on) and forget it."""
    session: CliSession = ctx.obj
    if session.token_option:
        session.client().logout()
        session.emit({"logged_out": True})
        return
    cache = TokenCache()
    cached = cache.get(session.profile.name)
    if cached is None:
        note(f"profile '{session.profile.name}' is not logged in")
        session.emit({"logged_out": False})
        return
    if cached.expires_at > now():
        # At the URL the token was issued by, which the profile may no longer name.
        with closing(CmsClient(cached.url, token=cached.token)) as client, \
                suppress(AuthenticationFailed):  # revoked already: forgetting is all left
            client.logout()
    cache.forget(session.profile.name)
    session.emit({"logged_out": True})


def whoami(ctx: typer.Context) -> None:
    """Your identity as the API knows it."""
    session: CliSession = ctx.obj
    session.emit(session.client().api.get_me(), columns=IDENTITY_COLUMNS)


def revoke_sessions(ctx: typer.Context,
                    did: str | None = typer.Argument(
                        None, help="Default: your own identity (another's only as an admin).")
                    ) -> None:
    """End every session of an identity."""
    session: CliSession = ctx.obj
    client = session.client()
    target = client.revoke_sessions(did)
    if client.token is None and not session.token_option:
        # Our own sessions ended, the cached token with them.
        TokenCache().forget(session.profile.name)
    session.emit({"did": target, "sessions_revoked": True})


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
