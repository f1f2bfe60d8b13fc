"""``cms admin``: what an operator looks at: health, anchoring, privacy budgets, webhook
deliveries, and an export of every readable contract."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from cms_client.cli.config import write_private
from cms_client.cli.exit_codes import CliError
from cms_client.cli.output import OutputFormat, note, plain
from cms_client.cli.session import CliSession
from cms_client.client import CmsClient
from cms_client.errors import ApiError, Conflict

app = typer.Typer(help="Operators' views: health, anchoring, privacy budgets, webhook "
                       "deliveries, exports.", no_args_is_help=True)

LimitOption = Annotated[int | None, typer.Option("--limit", min=1, help="Stop after N rows.")]
BATCH_COLUMNS = ["first_seq", "last_seq", "count", "block_number", "oldest_event_at",
                 "confirmed_at", "lag_s"]
BUDGET_COLUMNS = ["contract_id", "title", "status", "epsilon_total", "epsilon_spent",
                  "epsilon_reserved", "epsilon_available", "jobs"]
DELIVERY_COLUMNS = ["webhook_id", "id", "event_type", "status", "attempts",
                    "last_status_code", "last_error", "replayed"]
# Who may list every contract (scope=all); anyone else sees the contracts they are party to.
READS_ALL = {"admin", "auditor"}


@app.command("health")
def health(ctx: typer.Context) -> None:
    """Each dependency's state, reason and resource; the ledger, anchoring and enclaves."""
    session: CliSession = ctx.obj
    session.emit(session.client().api.get_health_details())


@app.command("anchoring")
def anchoring(ctx: typer.Context,
              batches: Annotated[int, typer.Option(
                  "--batches", min=1, max=50, help="How many recent batches.")] = 20) -> None:
    """The ledger's state and the recent anchoring batches with their lag."""
    session: CliSession = ctx.obj
    api = session.client().api
    status = plain(api.get_ledger_status())
    recent = plain(api.list_ledger_batches(limit=batches).batches)
    if session.printer.output is not OutputFormat.TABLE:
        session.emit({"status": status, "batches": recent})
        return
    unanchored = status.get("unanchored") or {}
    session.emit({
        "chain_id": status.get("chain_id"), "reachable": status.get("reachable"),
        "block_number": status.get("block_number"), "next_seq": status.get("next_seq"),
        "unanchored": unanchored.get("count"), "oldest_unanchored_age_s": unanchored.get("age_s"),
        "problem": (status.get("problem") or {}).get("detail")})
    session.emit(recent, columns=BATCH_COLUMNS)


def _readable_contracts(client: CmsClient, status: str | None = None
                        ) -> Iterator[dict[str, Any]]:
    """Every contract the caller can read: all of them for admins and auditors."""
    scope = "all" if set(client.api.get_me().roles) & READS_ALL else None
    for contract in client.api.iter_list_contracts(scope=scope, status=status, limit=100):
        yield plain(contract)


@app.command("budgets")
def budgets(ctx: typer.Context,
            status: Annotated[str | None, typer.Option(
                "--status", help="Only contracts in this state (e.g. active).")] = None,
            limit: LimitOption = None) -> None:
    """Privacy budgets across the AI-training contracts you can read: spent, reserved, left."""
    session: CliSession = ctx.obj
    client = session.client()

    def rows() -> Iterator[dict[str, Any]]:
        for contract in _readable_contracts(client, status):
            terms = contract.get("terms")
            if not isinstance(terms, dict) or not isinstance(terms.get("privacy_budget"), dict):
                continue
            try:
                budget = plain(client.api.get_privacy_budget(contract["id"]))
            except Conflict:
                continue  # terms out of range: not a training contract for the API
            yield {**budget, "title": contract.get("title"), "status": contract.get("status"),
                   "jobs": len(budget.get("jobs") or [])}

    session.emit_items(rows(), columns=BUDGET_COLUMNS, limit=limit)


@app.command("deliveries")
def deliveries(
    ctx: typer.Context,
    failed: Annotated[bool, typer.Option(
        "--failed", help="Only dead deliveries (every attempt failed).")] = False,
    redeliver: Annotated[bool, typer.Option(
        "--redeliver", help="Send the dead deliveries again (implies --failed).")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="With --redeliver: list what would be sent, send nothing.")] = False,
    limit: LimitOption = None,
) -> None:
    """Deliveries across your webhooks, newest first per webhook; --redeliver replays the
    dead ones."""
    session: CliSession = ctx.obj
    if dry_run and not redeliver:
        raise CliError("--dry-run goes with --redeliver")
    client = session.client()
    only_dead = failed or redeliver

    def rows() -> Iterator[dict[str, Any]]:
        for webhook in client.api.list_webhooks().items:
            for delivery in client.api.iter_list_webhook_deliveries(webhook.id, limit=100):
                if only_dead and delivery.status != "dead":
                    continue
                if redeliver and not dry_run:
                    replayed = client.api.replay_webhook_delivery(webhook.id, delivery.id)
                    yield {**plain(replayed), "replayed": True}
                else:
                    yield {**plain(delivery), "replayed": False}

    count = session.emit_items(rows(), columns=DELIVERY_COLUMNS, limit=limit)
    if redeliver:
        note(f"{count} dead deliveries " + ("would be sent again (dry run)" if dry_run
                                            else "sent again"))


@app.command("export")
def export(ctx: typer.Context,
           directory: Annotated[Path, typer.Argument(
               help="Where: one folder per contract (contract.json, events.json, "
                    "receipt.json).")],
           status: Annotated[str | None, typer.Option(
               "--status", help="Only contracts in this state.")] = None,
           limit: LimitOption = None) -> None:
    """Every contract you can read with its events and receipt, as files. Run it again to
    resume or refresh: a file whose content has not changed is not written again."""
    session: CliSession = ctx.obj
    client = session.client()

    def rows() -> Iterator[dict[str, Any]]:
        for contract in _readable_contracts(client, status):
            yield _export_contract(client, directory / contract["id"], contract)

    count = session.emit_items(rows(), columns=["contract_id", "status", "written",
                                                "unchanged"], limit=limit)
    note(f"{count} contracts in {directory}")


def _export_contract(client: CmsClient, folder: Path, contract: dict[str, Any]
                     ) -> dict[str, Any]:
    contract_id = contract["id"]
    files: dict[str, bytes] = {"contract.json": _json_bytes(contract)}
    events = client.api.iter_list_contract_events(contract_id, limit=100)
    files["events.json"] = _json_bytes(plain(list(events)))
    try:
        # Kept byte for byte: it is canonical JSON and verify-receipt checks that form.
        files["receipt.json"] = client.receipt(contract_id)
    except ApiError as error:
        note(f"{contract_id}: no receipt ({error.code})")
    written, unchanged = [], []
    for name, content in files.items():
        path = folder / name
        if path.exists() and _sha256(path.read_bytes()) == _sha256(content):
            unchanged.append(name)
            continue
        write_private(path, content)
        written.append(name)
    return {"contract_id": contract_id, "status": contract.get("status"),
            "written": written, "unchanged": unchanged}


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
