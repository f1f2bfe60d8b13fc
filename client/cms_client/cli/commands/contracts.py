"""Contracts: ``cms contract …``, from creation to receipt, one at a time or in bulk.

Contracts and events are printed exactly as the API sent them (the SDK keeps timestamps as
strings): the content digest covers ``valid_from``/``valid_until`` and each event's hash its
``at`` as written, so anyone can re-check them from this output.
"""

from __future__ import annotations

import mimetypes
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from cms.domain.contracts.model import LIVE
from cms_client.cli.commands import bulk
from cms_client.cli.exit_codes import CliError, ExitCode
from cms_client.cli.inputs import YES_OPTION, assignments, confirm, read_json
from cms_client.cli.listing import page_size
from cms_client.cli.output import plain
from cms_client.cli.session import CliSession
from cms_client.client import CmsClient

app = typer.Typer(help="Contracts: list, read, create, sign, move through their lifecycle.",
                  no_args_is_help=True)

CONTRACT_ID = typer.Argument(..., help="The contract's id.")
COLUMNS = ["id", "title", "status", "provider_did", "consumer_did", "valid_until"]
EVENT_COLUMNS = ["seq", "type", "actor", "at", "anchor.state"]
# --follow polls: from one second, doubling while nothing happens, up to this many seconds.
FOLLOW_MAX_DELAY_S = 10.0
EVENTS_PAGE = 100
# attach: how long to wait for S3's report that registers an upload on the contract.
ATTACH_WAIT_S = 30.0
# The API's document formats, with the short name people type.
DOCUMENT_FORMATS = {"pdf": "pdf", "html": "html", "markdown": "markdown", "md": "markdown"}

Concurrency = Annotated[int, typer.Option("--concurrency", min=1, max=32,
                                          help="Rows worked on at once.")]
DryRun = Annotated[bool, typer.Option("--dry-run",
                                      help="Print what would be done; change nothing.")]
ReportFile = Annotated[Path | None, typer.Option(
    "--report", help="Write the JSONL report of each row's outcome here (default stdout).")]
Where = Annotated[list[str] | None, typer.Option(
    "--where", help="A list filter, e.g. status=review or template_id=compliance "
                    "(repeatable; a bare word is a status).")]


def _session(ctx: typer.Context) -> CliSession:
    return ctx.obj


# ------------------------------------------------------------------ reading


@app.command("list")
def list_contracts(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(
        help="draft, review, signed, active, completed, terminated or expired.")] = None,
    role: Annotated[str | None, typer.Option(help="Your role: provider or consumer.")] = None,
    scope: Annotated[str | None, typer.Option(
        help="mine (default) or all (auditors and admins).")] = None,
    counterparty: Annotated[str | None, typer.Option(help="The other party's DID.")] = None,
    template_id: Annotated[str | None, typer.Option(
        "--template-id", help="Made from this template.")] = None,
    created_after: Annotated[str | None, typer.Option(
        "--created-after", help="Created at or after this ISO 8601 instant.")] = None,
    created_before: Annotated[str | None, typer.Option(
        "--created-before", help="Created before this ISO 8601 instant.")] = None,
    valid_at: Annotated[str | None, typer.Option(
        "--valid-at", help="Valid at this ISO 8601 instant.")] = None,
    q: Annotated[str | None, typer.Option("--q", help="Text the title contains.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Stop after N contracts.")] = None,
) -> None:
    """Your contracts, newest first, following pagination to the end (or --limit)."""
    session = _session(ctx)
    items = session.client().iter_contracts(
        status=status, role=role, scope=scope, counterparty=counterparty,
        template_id=template_id, created_after=created_after, created_before=created_before,
        valid_at=valid_at, q=q, limit=page_size(limit))
    session.emit_items(items, COLUMNS, limit=limit)


@app.command("get")
def get(ctx: typer.Context, contract_id: str = CONTRACT_ID) -> None:
    """A contract."""
    session = _session(ctx)
    session.emit(session.client().get_contract(contract_id))


@app.command("events")
def events(ctx: typer.Context, contract_id: str = CONTRACT_ID,
           follow: Annotated[bool, typer.Option(
               "--follow", "-f", help="Keep printing new events until the contract ends "
                                      "(completed, terminated, expired) or Ctrl-C.")] = False,
           ) -> None:
    """A contract's audit events, oldest first."""
    session = _session(ctx)
    client = session.client()
    if follow:
        session.emit_items(_follow_events(client, contract_id), EVENT_COLUMNS, stream=True)
    else:
        session.emit_items(_all_events(client, contract_id), EVENT_COLUMNS)


@app.command("verify")
def verify(ctx: typer.Context, contract_id: str = CONTRACT_ID) -> int:
    """The server's verification report; exits 2 when it is not valid."""
    session = _session(ctx)
    report = session.client().verify(contract_id)
    session.emit(report)
    return ExitCode.INVALID if report.get("valid") is False else ExitCode.OK


@app.command("receipt")
def receipt(ctx: typer.Context, contract_id: str = CONTRACT_ID,
            out: Annotated[Path | None, typer.Option(
                "--out", help="Write it to this file, not stdout.")] = None) -> None:
    """The contract's receipt, byte for byte as issued (check it with verify-receipt)."""
    session = _session(ctx)
    raw = session.client().receipt(contract_id)
    if out is not None:
        out.write_bytes(raw)
    else:
        session.emit(raw)


@app.command("document")
def document(ctx: typer.Context, contract_id: str = CONTRACT_ID,
             fmt: Annotated[str, typer.Option(
                 "--format", help="pdf, html or markdown (md).")] = "pdf",
             out: Annotated[Path | None, typer.Option(
                 "--out", help="Write it to this file (default stdout).")] = None) -> None:
    """A template contract's rendered document (PDF, HTML or Markdown).

    Checked against the SHA-256 the contract records (which its signatures cover) before a
    byte is written."""
    session = _session(ctx)
    api_format = DOCUMENT_FORMATS.get(fmt.lower())
    if api_format is None:
        raise CliError(f"--format must be one of {', '.join(DOCUMENT_FORMATS)}")
    content = session.client().document(contract_id, api_format)
    if out is None:
        session.emit(content)
        return
    out.write_bytes(content)
    session.emit({"contract_id": contract_id, "format": api_format, "file": str(out),
                  "size": len(content)})


# ------------------------------------------------------------------ drafting


@app.command("create")
def create(
    ctx: typer.Context,
    template_id: Annotated[str | None, typer.Option(
        "--template-id", help="Draft from this template (with --from: for rows without "
                              "one).")] = None,
    template_version: Annotated[int | None, typer.Option(
        "--template-version", help="The template's version (default: its latest).")] = None,
    var: Annotated[list[str] | None, typer.Option(
        "--var", help="A template variable, key=value (JSON values; repeatable).")] = None,
    variables_file: Annotated[str | None, typer.Option(
        "--vars", help="The template's variables, a JSON object (FILE or -).")] = None,
    title: Annotated[str | None, typer.Option(help="The title.")] = None,
    description: Annotated[str | None, typer.Option(help="The description.")] = None,
    consumer_did: Annotated[str | None, typer.Option(
        "--consumer-did", help="The other party, the consumer.")] = None,
    terms: Annotated[str | None, typer.Option(
        "--terms", help="The terms, JSON (FILE or -), for a contract without a template.")
    ] = None,
    valid_from: Annotated[str | None, typer.Option(
        "--valid-from", help="ISO 8601 with a zone.")] = None,
    valid_until: Annotated[str | None, typer.Option(
        "--valid-until", help="ISO 8601 with a zone.")] = None,
    metadata: Annotated[str | None, typer.Option(
        "--metadata", help="Metadata, a JSON object (FILE or -).")] = None,
    json_body: Annotated[str | None, typer.Option(
        "--json", help="The whole request body (FILE or -); options given add to it.")
    ] = None,
    idempotency_key: Annotated[str | None, typer.Option(
        "--idempotency-key", help="Repeat a create safely: the same key and body answer "
                                  "the same contract.")] = None,
    from_file: Annotated[str | None, typer.Option(
        "--from", help="Bulk: one contract per row of a CSV (with a header) or JSONL file.")
    ] = None,
    concurrency: Concurrency = 4,
    dry_run: DryRun = False,
    report: ReportFile = None,
) -> int | None:
    """Draft a contract (you are its provider), or many with --from FILE.

    From a template (--template-id, --var/--vars, --consumer-did), from terms (--title,
    --consumer-did, --terms, --valid-from, --valid-until), or the whole body (--json). With
    --from: one contract per row of a CSV or JSONL file, reported row by row."""
    session = _session(ctx)
    if from_file is not None:
        single = (var, variables_file, title, description, consumer_did, terms, valid_from,
                  valid_until, metadata, json_body, idempotency_key)
        if any(value is not None for value in single):
            raise CliError("--from takes its fields from the file; only --template-id and "
                           "--template-version may be given with it")
        rows = bulk.read_rows(from_file, template_id, template_version)
        client = None if dry_run else session.client()
        return bulk.create_from_file(client, rows,
                                     bulk.BulkOptions(concurrency, dry_run, report))
    body: dict[str, Any] = dict(_json_object(json_body, "--json")) if json_body else {}
    variables = {**_json_object(variables_file, "--vars"), **assignments(var)}
    body.update(_present(
        template_id=template_id, template_version=template_version,
        variables=variables or None, title=title, description=description,
        consumer_did=consumer_did, terms=read_json(terms) if terms else None,
        valid_from=valid_from, valid_until=valid_until,
        metadata=_json_object(metadata, "--metadata") or None))
    if not body:
        raise CliError("nothing to create: give --template-id and --var, the fields "
                       "(--title, --consumer-did, --terms, …), --json or --from")
    session.emit(session.client().create_contract(body, idempotency_key=idempotency_key),
                 COLUMNS)
    return None


@app.command("update")
def update(
    ctx: typer.Context, contract_id: str = CONTRACT_ID,
    set_fields: Annotated[list[str] | None, typer.Option(
        "--set", help="A field, key=value (JSON values; a.b=1 nests; repeatable).")] = None,
    var: Annotated[list[str] | None, typer.Option(
        "--var", help="A template contract's variable, key=value: merged into its current "
                      "variables (repeatable).")] = None,
    json_body: Annotated[str | None, typer.Option(
        "--json", help="The change, a JSON object (FILE or -).")] = None,
) -> None:
    """Edit a draft (its provider).

    Any content field with --set or --json; a template contract takes variables (--var
    merges into its current ones) and is rendered again."""
    session = _session(ctx)
    client = session.client()
    change = {**_json_object(json_body, "--json"), **assignments(set_fields)}
    if var:
        current = client.get_contract(contract_id)
        pinned = (current.get("metadata") or {}).get("template") or {}
        if not pinned:
            raise CliError("--var edits a template contract; this one has no template")
        change["variables"] = {**pinned.get("variables", {}), **change.get("variables", {}),
                               **assignments(var)}
    if not change:
        raise CliError("nothing to change: give --set, --var or --json")
    session.emit(client.update_contract(contract_id, change), COLUMNS)


# ------------------------------------------------------------------ the lifecycle


@app.command("submit")
def submit(ctx: typer.Context, contract_id: str = CONTRACT_ID,
           signing_deadline: Annotated[str | None, typer.Option(
               "--signing-deadline", help="Unsigned by then (ISO 8601), the contract "
                                          "expires (default 30 days).")] = None) -> None:
    """Freeze a draft for review (draft → review)."""
    _transition(ctx, contract_id, "submit", _present(signing_deadline=signing_deadline))


@app.command("request-changes")
def request_changes(ctx: typer.Context, contract_id: str = CONTRACT_ID,
                    reason: Annotated[str | None, typer.Option(
                        help="What should change (recorded in the history).")] = None) -> None:
    """Send a contract in review back to draft; its signatures are cleared."""
    _transition(ctx, contract_id, "request-changes", _present(reason=reason))


@app.command("activate")
def activate(ctx: typer.Context, contract_id: str = CONTRACT_ID) -> None:
    """Start a signed contract (signed → active) within its validity."""
    _transition(ctx, contract_id, "activate", None)


@app.command("complete")
def complete(ctx: typer.Context, contract_id: str = CONTRACT_ID) -> None:
    """End an active contract as fulfilled (active → completed)."""
    _transition(ctx, contract_id, "complete", None)


@app.command("terminate")
def terminate(ctx: typer.Context, contract_id: str = CONTRACT_ID,
              reason: Annotated[str, typer.Option(help="Why (recorded in the history).")] = ...,
              yes: bool = YES_OPTION) -> None:
    """End a contract before its term (irreversible)."""
    confirm(f"Terminate contract {contract_id}?", yes)
    _transition(ctx, contract_id, "terminate", {"reason": reason})


@app.command("sign")
def sign(ctx: typer.Context,
         contract_id: Annotated[str | None, typer.Argument(
             help="The contract's id (or --where for every matching one).")] = None,
         where: Where = None, concurrency: Concurrency = 4, dry_run: DryRun = False,
         report: ReportFile = None, yes: bool = YES_OPTION) -> int | None:
    """Sign a contract with your key, or every one --where matches.

    What is signed is rebuilt on this machine from the contract's content, never the
    server's payload as sent; --where lists the matching contracts awaiting your signature
    and asks before signing them (unless --yes)."""
    session = _session(ctx)
    signer = session.signer()
    client = session.client()
    if contract_id is None:
        filters = bulk.where_filters(where or [])
        rows = bulk.matching_rows(client, filters)
        return bulk.sign_matching(client, signer, rows, filters,
                                  bulk.BulkOptions(concurrency, dry_run, report, yes))
    if where:
        raise CliError("give a contract id or --where, not both")
    session.emit(client.sign_contract(contract_id, signer), COLUMNS)
    return None


@app.command("transition")
def transition(
    ctx: typer.Context,
    action: Annotated[str, typer.Argument(
        help="submit, request-changes, activate, complete or terminate.")],
    where: Where = None,
    reason: Annotated[str | None, typer.Option(
        help="terminate's reason (required for it), request-changes' (optional).")] = None,
    concurrency: Concurrency = 4, dry_run: DryRun = False, report: ReportFile = None,
    yes: bool = YES_OPTION,
) -> int:
    """Apply one lifecycle action to every contract --where matches.

    Lists the contracts it applies to and asks first (unless --yes); a contract whose status
    does not allow the action is skipped."""
    if action not in bulk.TRANSITIONS:
        raise CliError(f"ACTION must be one of {', '.join(bulk.TRANSITIONS)}")
    if action == "terminate" and not reason:
        raise CliError("terminate needs --reason")
    session = _session(ctx)
    client = session.client()
    filters = bulk.where_filters(where or [])
    rows = bulk.matching_rows(client, filters)
    body = _present(reason=reason) or None
    return bulk.transition_matching(client, action, body, rows, filters,
                                    bulk.BulkOptions(concurrency, dry_run, report, yes))


def _transition(ctx: typer.Context, contract_id: str, action: str,
                body: dict[str, Any] | None) -> None:
    session = _session(ctx)
    session.emit(session.client().transition(contract_id, action, body or None), COLUMNS)


# ------------------------------------------------------------------ attachments


@app.command("attach")
def attach(ctx: typer.Context, contract_id: str = CONTRACT_ID,
           file: Annotated[Path, typer.Argument(help="The file to attach.", exists=True,
                                                dir_okay=False, readable=True)] = ...,
           media_type: Annotated[str | None, typer.Option(
               "--media-type", help="Default: guessed from the file's name.")] = None,
           name: Annotated[str | None, typer.Option(
               help="The attachment's name (default: the file's).")] = None,
           wait: Annotated[float, typer.Option(
               help="Seconds to wait for it to be registered on the contract.")
           ] = ATTACH_WAIT_S) -> None:
    """Attach a file to a draft.

    Uploaded straight to storage, then registered on the contract (its SHA-256 joins the
    content the signatures cover); waits for the registration up to --wait seconds."""
    session = _session(ctx)
    client = session.client()
    kind = media_type or mimetypes.guess_type(file.name)[0]
    if kind is None:
        raise CliError(f"cannot tell {file.name}'s media type: give --media-type")
    attachment_id = client.attach(contract_id, name or file.name, kind, file.read_bytes())
    record = _registered_attachment(client, contract_id, attachment_id, wait)
    if record is None:
        session.printer.note(f"uploaded; attachment {attachment_id} is not registered yet "
                             "(see `cms contract get`)")
        session.emit({"attachment_id": attachment_id, "registered": False})
    else:
        session.emit({"attachment_id": attachment_id, "registered": True, **record})


def _registered_attachment(client: CmsClient, contract_id: str, attachment_id: str,
                           wait_s: float) -> dict[str, Any] | None:
    deadline = time.monotonic() + wait_s
    while True:
        contract = client.get_contract(contract_id)
        for record in (contract.get("metadata") or {}).get("attachments", []):
            if record.get("id") == attachment_id:
                return record
        if time.monotonic() >= deadline:
            return None
        time.sleep(1.0)


# ------------------------------------------------------------------ helpers


def _all_events(client: CmsClient, contract_id: str, after: int = -1
                ) -> Iterator[dict[str, Any]]:
    """Every event after ``after``, following ``next_after`` page by page."""
    events = client.api.iter_list_contract_events(
        contract_id, after=after if after >= 0 else None, limit=EVENTS_PAGE)
    return (plain(event) for event in events)


def _follow_events(client: CmsClient, contract_id: str) -> Iterator[dict[str, Any]]:
    """New events as they are recorded, polling with backoff (1 s doubling to 10 s while
    nothing happens), until the contract has reached a final status."""
    after, delay = -1, 1.0
    while True:
        fresh = list(_all_events(client, contract_id, after))
        yield from fresh
        if fresh:
            after, delay = fresh[-1]["seq"], 1.0
        if client.get_contract(contract_id)["status"] not in LIVE:
            # One more read: the final event may have been written after the last page.
            yield from _all_events(client, contract_id, after)
            return
        time.sleep(delay)
        delay = min(delay * 2, FOLLOW_MAX_DELAY_S)


def _json_object(source: str | None, option: str) -> dict[str, Any]:
    if source is None:
        return {}
    value = read_json(source)
    if not isinstance(value, dict):
        raise CliError(f"{option} must hold a JSON object")
    return value


def _present(**fields: Any) -> dict[str, Any]:
    """The fields that were given (None means not given)."""
    return {name: value for name, value in fields.items() if value is not None}
