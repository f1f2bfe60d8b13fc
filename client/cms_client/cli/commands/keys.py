"""``cms key``: the key store (create, import, list, export, delete). Private keys stay
encrypted at rest; ``export`` gives them in the clear only with ``--plain``."""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from cms_client.cli.config import Profiles, write_private
from cms_client.cli.exit_codes import CliError
from cms_client.cli.inputs import YES_OPTION, confirm, read_bytes
from cms_client.cli.keystore import (
    KeyEntry,
    KeyStore,
    is_eth_keystore,
    open_eth_keystore,
    open_key_file,
    parse_key_file,
    read_passphrase,
)
from cms_client.cli.output import note
from cms_client.cli.session import CliSession
from cms_client.signers import did_web

app = typer.Typer(help="Keys on this machine, encrypted at rest (CMS_KEY_PASSPHRASE or a "
                       "prompt opens them).", no_args_is_help=True)

COLUMNS = ["name", "type", "did", "public_key", "created_at"]


class KeyKind(StrEnum):
    ED25519 = "ed25519"
    ETH = "eth"


class DidMethod(StrEnum):
    PKH = "pkh"
    ETHR = "ethr"


TypeOption = Annotated[KeyKind | None, typer.Option(
    "--type", help="ed25519 (did:key) or eth (secp256k1: did:pkh or did:ethr).")]
MethodOption = Annotated[DidMethod, typer.Option(
    "--method", help="For eth keys: did:pkh (with --chain-id) or did:ethr.")]
ChainOption = Annotated[int, typer.Option("--chain-id", min=1, help="did:pkh's EIP-155 chain.")]
DidOption = Annotated[str | None, typer.Option(
    "--did", help="A did:web whose document lists this key: the key signs for it.")]


def _shown(entry: KeyEntry) -> dict[str, Any]:
    return {"name": entry.name, "type": entry.type, "did": entry.signing_did,
            "public_key": entry.public_key, "method": entry.method,
            "chain_id": entry.chain_id, "created_at": entry.created_at}


def _check_did_web(did: str | None) -> str | None:
    """A well-formed did:web (its document, served by you, must list this key)."""
    if did is None:
        return None
    try:
        return did_web(did)
    except ValueError as error:
        raise CliError(f"--did takes a did:web (a key's own DID is derived from the key): "
                       f"{error}") from None


def _adopt_as_profile_key(session: CliSession, name: str) -> None:
    """A profile without a key gets its first one: ``cms key create`` then ``cms login``."""
    profiles = Profiles.load()
    profile = profiles.resolve(session.profile_name)
    if profile.key is None:
        profile.key = name
        profiles.profiles[profile.name] = profile
        profiles.save()
        note(f"profile '{profile.name}' now uses key '{name}'")


@app.command("create")
def create(ctx: typer.Context, name: str,
           key_type: TypeOption = KeyKind.ED25519, method: MethodOption = DidMethod.PKH,
           chain_id: ChainOption = 1, did: DidOption = None) -> None:
    """Make a new key, encrypted under a passphrase typed twice (or CMS_KEY_PASSPHRASE)."""
    session: CliSession = ctx.obj
    store = KeyStore()
    did_web = _check_did_web(did)
    if store.exists(name):
        raise CliError(f"a key named '{name}' exists already")
    passphrase = read_passphrase(f"new key '{name}'", confirm=True)
    if key_type is KeyKind.ETH:
        entry = store.add_eth(name, "0x" + os.urandom(32).hex(), passphrase,
                              method=method.value, chain_id=chain_id, did_web=did_web)
    else:
        entry = store.add_ed25519(name, os.urandom(32), passphrase, did_web=did_web)
    _adopt_as_profile_key(session, name)
    session.emit(_shown(entry))


@app.command("import")
def import_key(ctx: typer.Context, name: str,
               file: Annotated[str, typer.Argument(
                   help="A cms-ed25519-key file (the web UI's, plain or encrypted), an "
                        "Ethereum keystore v3, or '-' for standard input (also a raw hex "
                        "private key, with --type).")],
               key_type: TypeOption = None, method: MethodOption = DidMethod.PKH,
               chain_id: ChainOption = 1, did: DidOption = None) -> None:
    """Bring in a key made elsewhere; it is stored encrypted."""
    session: CliSession = ctx.obj
    store = KeyStore()
    did_web = _check_did_web(did)
    if store.exists(name):
        raise CliError(f"a key named '{name}' exists already")
    raw = read_bytes(file).strip()
    try:
        document: Any = json.loads(raw)
    except ValueError:
        document = None
    if isinstance(document, dict) and is_eth_keystore(document):
        passphrase = read_passphrase(f"the keystore {file}")
        private_key = open_eth_keystore(document, passphrase)
        entry = store.add_eth_keystore(name, document, private_key, method=method.value,
                                       chain_id=chain_id, did_web=did_web)
    elif isinstance(document, dict):
        key_file = parse_key_file(document)
        if "encrypted" in key_file:
            # Kept as it is: its passphrase stays this key's passphrase.
            open_key_file(key_file, read_passphrase(f"the key file {file}"))
            entry = store.add_ed25519_file(name, key_file, did_web=did_web)
        else:
            seed = open_key_file(key_file, None)
            entry = store.add_ed25519(name, seed, read_passphrase(f"key '{name}'", confirm=True),
                                      did_web=did_web)
    else:
        entry = _import_hex(store, name, raw, key_type, method, chain_id, did_web)
    _adopt_as_profile_key(session, name)
    session.emit(_shown(entry))


def _import_hex(store: KeyStore, name: str, raw: bytes, key_type: KeyKind | None,
                method: DidMethod, chain_id: int, did_web: str | None) -> KeyEntry:
    if key_type is None:
        raise CliError("this is neither a key file nor a keystore; a raw hex private key "
                       "needs --type ed25519|eth")
    text = raw.decode("ascii", errors="replace").strip().removeprefix("0x")
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) != 32:
        raise CliError("a raw private key must be 32 bytes in hex (64 digits, 0x optional)")
    passphrase = read_passphrase(f"key '{name}'", confirm=True)
    if key_type is KeyKind.ETH:
        return store.add_eth(name, "0x" + secret.hex(), passphrase, method=method.value,
                             chain_id=chain_id, did_web=did_web)
    return store.add_ed25519(name, secret, passphrase, did_web=did_web)


@app.command("list")
def list_keys(ctx: typer.Context) -> None:
    """The keys in the store (no passphrase needed)."""
    session: CliSession = ctx.obj
    session.emit([_shown(entry) for entry in KeyStore().list()], columns=COLUMNS)


@app.command("export")
def export(ctx: typer.Context, name: str,
           plain: Annotated[bool, typer.Option(
               "--plain", help="In the clear (asks for the passphrase): the web UI's plain "
                               "key file, or an eth key's hex private key.")] = False,
           out: Annotated[Path | None, typer.Option(
               "--out", help="Write to this file (0600) instead of stdout.")] = None) -> None:
    """The key file: encrypted as stored (the web UI imports an Ed25519 one), or --plain."""
    session: CliSession = ctx.obj
    store = KeyStore()
    passphrase = read_passphrase(f"key '{name}'") if plain else None
    text = (json.dumps(store.export(name, plain_passphrase=passphrase), indent=2) + "\n")
    if out is None:
        session.emit(text.encode("utf-8"))
        return
    write_private(out, text.encode("utf-8"))
    note(f"wrote {out}" + (" (in the clear: keep it safe)" if plain else ""))


@app.command("delete")
def delete(ctx: typer.Context, name: str, yes: bool = YES_OPTION) -> None:
    """Remove a key from the store (export it first to keep it)."""
    session: CliSession = ctx.obj
    store = KeyStore()
    entry = store.entry(name)
    confirm(f"Delete key '{name}' ({entry.signing_did})? It cannot be recovered.", yes)
    store.delete(name)
    session.emit({"name": name, "deleted": True})
