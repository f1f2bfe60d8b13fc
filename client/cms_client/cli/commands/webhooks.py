"""Webhooks: ``cms webhook create|list|enable|disable|rotate-secret|delete|deliveries|
redeliver``."""

from __future__ import annotations

from typing import Annotated

import typer

from cms_client.cli.inputs import YES_OPTION, confirm
from cms_client.cli.listing import page_size
from cms_client.cli.output import note
from cms_client.cli.session import CliSession
from cms_client.generated.models import Webhook

app = typer.Typer(help="Webhooks: signed deliveries of your contracts' events.",
                  no_args_is_help=True)

WEBHOOK_ID = typer.Argument(..., help="The webhook's id.")
COLUMNS = ("id", "url", "status", "event_types", "created_at")
DELIVERY_COLUMNS = ("id", "event_type", "status", "attempts", "last_status_code",
                    "last_error", "next_attempt_at")


def _store_the_secret() -> None:
    note("Store the secret now: it is not shown again (it signs every delivery).")


@app.command("create")
def create(ctx: typer.Context,
           url: str = typer.Argument(..., help="An https URL on a public host."),
           event_types: Annotated[list[str] | None, typer.Option(
               "--event-type", help="Deliver only this event type (repeatable; default: "
                                    "all).")] = None) -> None:
    """A new webhook; its signing secret is printed this once."""
    session: CliSession = ctx.obj
    created = session.client().api.create_webhook(
        body={"url": url, "event_types": list(event_types or [])})
    session.emit(created, columns=(*COLUMNS, "secret"))
    _store_the_secret()


@app.command("list")
def list_webhooks(ctx: typer.Context) -> None:
    """Your webhooks (without their secrets)."""
    session: CliSession = ctx.obj
    session.emit(session.client().api.list_webhooks().items, columns=COLUMNS)


@app.command("enable")
def enable(ctx: typer.Context, webhook_id: str = WEBHOOK_ID) -> None:
    """Deliver new events again (not those that happened while it was disabled)."""
    session: CliSession = ctx.obj
    session.emit(_set_status(ctx, webhook_id, "active"), columns=COLUMNS)


@app.command("disable")
def disable(ctx: typer.Context, webhook_id: str = WEBHOOK_ID) -> None:
    """Stop deliveries; pending ones are given up."""
    session: CliSession = ctx.obj
    session.emit(_set_status(ctx, webhook_id, "disabled"), columns=COLUMNS)


def _set_status(ctx: typer.Context, webhook_id: str, status: str) -> Webhook:
    session: CliSession = ctx.obj
    return session.client().api.update_webhook(webhook_id, body={"status": status})


@app.command("rotate-secret")
def rotate_secret(ctx: typer.Context, webhook_id: str = WEBHOOK_ID) -> None:
    """A new signing secret, printed this once; the old one stops at once."""
    session: CliSession = ctx.obj
    session.emit(session.client().api.rotate_webhook_secret(webhook_id),
                 columns=(*COLUMNS, "secret"))
    _store_the_secret()


@app.command("delete")
def delete(ctx: typer.Context, webhook_id: str = WEBHOOK_ID, yes: bool = YES_OPTION) -> None:
    """Delete a webhook; its pending deliveries are dropped."""
    session: CliSession = ctx.obj
    confirm(f"Delete webhook {webhook_id}?", yes)
    session.client().api.delete_webhook(webhook_id)
    session.emit({"id": webhook_id, "deleted": True})


@app.command("deliveries")
def deliveries(ctx: typer.Context, webhook_id: str = WEBHOOK_ID,
               limit: Annotated[int | None, typer.Option(
                   "--limit", min=1, help="At most this many (default: all).")] = None
               ) -> None:
    """A webhook's deliveries, newest first."""
    session: CliSession = ctx.obj
    items = session.client().api.iter_list_webhook_deliveries(webhook_id, limit=page_size(limit))
    session.emit_items(items, columns=DELIVERY_COLUMNS, limit=limit)


@app.command("redeliver")
def redeliver(ctx: typer.Context, webhook_id: str = WEBHOOK_ID,
              delivery_id: str = typer.Argument(..., help="The delivery's id.")) -> None:
    """Send a succeeded or dead delivery again (a new series of attempts)."""
    session: CliSession = ctx.obj
    session.emit(session.client().api.replay_webhook_delivery(webhook_id, delivery_id),
                 columns=DELIVERY_COLUMNS)
