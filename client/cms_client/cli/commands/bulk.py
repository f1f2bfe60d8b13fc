"""Bulk work on contracts: many created from a CSV or JSONL file, or every contract matching
list filters signed or moved through its lifecycle. Each row's outcome is a line of the JSONL
report; ``cms contract create --from``, ``sign --where`` and ``transition --where`` call in.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cms.domain import strict_json
from cms.domain.canonical import parse_iso
from cms.domain.contracts.commands import Activate, Complete, RequestChanges, Submit, Terminate
from cms.domain.contracts.rules import RULES
from cms.domain.drafting import template_of
from cms_client.cli.bulk_runner import (
    CREATED,
    EXISTS,
    PLANNED,
    SIGNED,
    SKIPPED,
    TRANSITIONED,
    Action,
    BulkRun,
    Outcome,
    Report,
    Row,
    row_idempotency_key,
)
from cms_client.cli.exit_codes import CliError
from cms_client.cli.inputs import assignments, confirm, read_bytes
from cms_client.cli.output import note
from cms_client.client import CmsClient
from cms_client.errors import Conflict, UnexpectedResponse
from cms_client.transport import RetryPolicy

# The list filters --where takes (GET /contracts' query parameters).
FILTERS = ("status", "role", "scope", "counterparty", "template_id", "created_after",
           "created_before", "valid_at", "q")
# Row fields a file may carry besides var.<name> columns or a variables object.
ROW_FIELDS = ("template_id", "template_version", "consumer_did", "title", "description")
VARIABLE_PREFIX = "var."
# The lifecycle actions `transition` takes, with the statuses each may start from (the
# domain's own rules, so a contract that cannot move is skipped without a request).
TRANSITIONS = {"submit": Submit, "request-changes": RequestChanges, "activate": Activate,
               "complete": Complete, "terminate": Terminate}
# The server may still be writing a row's contract from a run that was killed: its answer
# then is 409 idempotency_in_progress with Retry-After; wait this many times.
IN_PROGRESS_RETRIES = 10
# A server's Retry-After is waited at most this long, as the SDK's own retries do.
MAX_WAIT_S = RetryPolicy().max_delay_s


@dataclass
class BulkOptions:
    concurrency: int
    dry_run: bool
    report: Path | None
    assume_yes: bool = False
    # Set by the first Ctrl-C: workers waiting on the server stop waiting.
    stop: threading.Event = field(default_factory=threading.Event)


# ------------------------------------------------------------------ create --from FILE


def read_rows(path: str, template_id: str | None = None,
              template_version: int | None = None) -> list[Row]:
    """Each row's create body: CSV with a header (``var.<name>`` columns) or JSONL (one
    object per line, ``variables`` an object). ``--template-id``/``--template-version`` fill
    rows that do not name their own."""
    text = read_bytes(path).decode("utf-8-sig")
    jsonl = path.endswith((".jsonl", ".ndjson")) or text.lstrip().startswith("{")
    records = _jsonl_records(text) if jsonl else _csv_records(text)
    defaults = {"template_id": template_id, "template_version": template_version}
    rows = []
    for number, record in enumerate(records, start=1):
        for key, value in defaults.items():
            if value is not None and record.get(key) in (None, ""):
                record[key] = value
        rows.append(Row(number, record))
    if not rows:
        raise CliError(f"{path} holds no rows")
    return rows


def _jsonl_records(text: str) -> list[dict[str, Any]]:
    records = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = strict_json.loads(line)
        except ValueError as error:
            raise CliError(f"line {line_number} is not JSON: {error}") from None
        if not isinstance(record, dict):
            raise CliError(f"line {line_number} is not a JSON object")
        records.append(record)
    return records


def _csv_records(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise CliError("the CSV file has no header")
    unknown = [name for name in reader.fieldnames
               if name not in (*ROW_FIELDS, "variables") and not _variable_column(name)]
    if unknown:
        raise CliError(f"unknown CSV columns: {', '.join(unknown)} (expected "
                       f"{', '.join(ROW_FIELDS)}, variables or var.<name>)")
    return [_csv_record(number, cells) for number, cells in enumerate(reader, start=1)]


def _variable_column(name: str) -> bool:
    """``var.NAME`` (``var.a.b`` nests): every part of the name present."""
    parts = name.split(".")
    return len(parts) > 1 and parts[0] + "." == VARIABLE_PREFIX and all(parts[1:])


def _csv_record(number: int, cells: dict[str | None, Any]) -> dict[str, Any]:
    """A CSV row as a create body: empty cells are left out, ``var.a.b`` cells nest, and a
    cell that parses as JSON (a number, true, a list) is taken as JSON."""
    if None in cells:
        # DictReader files the cells beyond the header under None: refused, not dropped.
        raise CliError(f"row {number}: {len(cells[None])} cells more than the header has")
    record: dict[str, Any] = {}
    pairs = []
    for name, value in cells.items():
        if value in (None, "") or name is None:
            continue
        if name.startswith(VARIABLE_PREFIX):
            pairs.append(f"{name[len(VARIABLE_PREFIX):]}={value}")
        elif name == "variables":
            record["variables"] = _variables_cell(number, value)
        elif name == "template_version":
            if not value.strip().isdigit():
                raise CliError(f"row {number}, column template_version: {value!r} is not "
                               "a version number")
            record[name] = int(value)
        else:
            record[name] = value
    if pairs:
        try:
            record["variables"] = {**record.get("variables", {}), **assignments(pairs)}
        except CliError as error:
            raise CliError(f"row {number}, var.* columns: {error}") from None
    return record


def _variables_cell(number: int, value: str) -> dict[str, Any]:
    try:
        variables = strict_json.loads(value)
    except ValueError as error:
        raise CliError(f"row {number}, column variables: not JSON: {error}") from None
    if not isinstance(variables, dict):
        raise CliError(f"row {number}, column variables: not a JSON object")
    return variables


def create_from_file(client: CmsClient | None, rows: list[Row], options: BulkOptions) -> int:
    """Create one contract per row; ``client`` may be None for a dry run (nothing sent)."""
    started_at = datetime.now(UTC)

    def create(row: Row) -> Outcome:
        key = row_idempotency_key(row, row.data)
        if options.dry_run or client is None:
            return Outcome(row.number, PLANNED,
                           extra={"action": "create", "idempotency_key": key, "body": row.data})
        contract = _retrying_in_progress(
            lambda: client.create_contract(row.data, idempotency_key=key), options.stop)
        # The server answers a key it has seen with the contract it made then: one made
        # before this run started is an earlier run's.
        earlier = parse_iso(contract["created_at"]) < started_at
        return Outcome(row.number, EXISTS if earlier else CREATED, contract["id"],
                       extra={"contract_status": contract["status"]})

    return _run(rows, create, options, "creating")


def _retrying_in_progress(call: Callable[[], dict[str, Any]],
                          stop: threading.Event) -> dict[str, Any]:
    """``call``, asked again while the server is still working on the same key; a stop
    (Ctrl-C) ends the wait at once, the row then failed with the server's answer."""
    for _ in range(IN_PROGRESS_RETRIES - 1):
        try:
            return call()
        except Conflict as error:
            if error.code != "idempotency_in_progress":
                raise
            if stop.wait(min(error.retry_after or 1, MAX_WAIT_S)):
                raise
    return call()


# ------------------------------------------------------------------ sign / transition --where


def where_filters(conditions: list[str]) -> dict[str, Any]:
    """``--where status=review --where template_id=x`` (a bare word is a status)."""
    if not conditions:
        raise CliError("--where needs at least one filter, e.g. --where status=review")
    filters = assignments([c if "=" in c else f"status={c}" for c in conditions])
    unknown = sorted(set(filters) - set(FILTERS))
    if unknown:
        raise CliError(f"unknown filter {', '.join(unknown)}; filters: {', '.join(FILTERS)}")
    return {name: str(value) for name, value in filters.items()}


def matching_rows(client: CmsClient, filters: dict[str, Any]) -> list[Row]:
    """Every matching contract, listed in full before any is changed (a change could move a
    contract within the listing while it is being read)."""
    contracts: dict[str, dict[str, Any]] = {}
    for contract in client.iter_contracts(**filters, limit=100):
        if contract["id"] in contracts:
            # A listing never repeats a contract: a server whose cursors loop would
            # otherwise be read forever.
            raise UnexpectedResponse(200, {
                "code": "unexpected_response",
                "detail": f"the listing gave contract {contract['id']} twice"})
        contracts[contract["id"]] = contract
    note(f"{len(contracts)} contracts match")
    return [Row(number, contract)
            for number, contract in enumerate(contracts.values(), start=1)]


def outside_selection(contract: dict[str, Any], filters: dict[str, Any],
                      caller: str | None) -> str | None:
    """Why ``contract`` does not meet ``filters``, checked here as well as by the server
    (which a server that ignores a filter would otherwise turn into a change outside what
    the user selected); None when it does. ``scope`` cannot be checked here."""
    parties = {contract.get("provider_did"), contract.get("consumer_did")}
    created = contract.get("created_at")
    checks = {
        "status": lambda value: contract.get("status") == value,
        "template_id": lambda value: (
            template_of(contract.get("metadata") or {}) or {}).get("id") == value,
        "counterparty": lambda value: value in parties - {caller},
        "role": lambda value: caller is not None
        and contract.get(f"{value}_did") == caller,
        "created_after": lambda value: created is not None
        and parse_iso(created) >= parse_iso(value),
        "created_before": lambda value: created is not None
        and parse_iso(created) < parse_iso(value),
        "valid_at": lambda value: _valid_at(contract, parse_iso(value)),
        "q": lambda value: value.casefold() in str(contract.get("title", "")).casefold(),
    }
    for name, value in filters.items():
        check = checks.get(name)
        if check is not None and not check(value):
            return f"outside the selection: {name} does not match"
    return None


def _valid_at(contract: dict[str, Any], instant: datetime) -> bool:
    start, end = contract.get("valid_from"), contract.get("valid_until")
    return bool(start and end) and parse_iso(start) <= instant < parse_iso(end)


def caller_did(client: CmsClient, filters: dict[str, Any]) -> str | None:
    """Whom the client speaks for, when a filter (role, counterparty) depends on it."""
    if "role" not in filters and "counterparty" not in filters:
        return client.did
    return client.did or client.me()["did"]


def sign_matching(client: CmsClient, signer: Any, rows: list[Row], filters: dict[str, Any],
                  options: BulkOptions) -> int:
    def why_not(contract: dict[str, Any]) -> str | None:
        if contract["status"] != "review" or signer.did not in contract.get(
                "pending_signers", []):
            return "not awaiting this identity's signature"
        return None

    skips = _plan(rows, filters, signer.did, why_not, "sign", options)

    def sign(row: Row) -> Outcome:
        contract = row.data
        if row.number in skips:
            return _skipped(row, skips[row.number])
        if options.dry_run:
            return Outcome(row.number, PLANNED, contract["id"], extra={"action": "sign"})
        signed = client.sign_contract(contract["id"], signer)
        return Outcome(row.number, SIGNED, contract["id"],
                       extra={"contract_status": signed["status"]})

    return _run(rows, sign, options, "signing")


def transition_matching(client: CmsClient, action: str, body: dict[str, Any] | None,
                        rows: list[Row], filters: dict[str, Any],
                        options: BulkOptions) -> int:
    allowed = RULES[TRANSITIONS[action]].allowed_from

    def why_not(contract: dict[str, Any]) -> str | None:
        if contract["status"] not in allowed:
            return f"cannot {action} from {contract['status']}"
        return None

    skips = _plan(rows, filters, caller_did(client, filters), why_not, action, options)

    def transition(row: Row) -> Outcome:
        contract = row.data
        if row.number in skips:
            return _skipped(row, skips[row.number])
        if options.dry_run:
            return Outcome(row.number, PLANNED, contract["id"], extra={"action": action})
        moved = client.transition(contract["id"], action, body)
        return Outcome(row.number, TRANSITIONED, contract["id"],
                       extra={"contract_status": moved["status"]})

    return _run(rows, transition, options, action)


def _plan(rows: list[Row], filters: dict[str, Any], caller: str | None,
          why_not: Callable[[dict[str, Any]], str | None], verb: str,
          options: BulkOptions) -> dict[int, str]:
    """Which rows are skipped and why; the others are listed on stderr and, unless
    --dry-run, confirmed (a signature or a transition is not taken back)."""
    skips = {}
    for row in rows:
        reason = outside_selection(row.data, filters, caller) or why_not(row.data)
        if reason is not None:
            skips[row.number] = reason
    chosen = [row.data for row in rows if row.number not in skips]
    if not chosen:
        return skips
    note(f"{verb}: {len(chosen)} contracts ({len(skips)} skipped):")
    for contract in chosen:
        note(f"  {contract['id']}  {contract.get('title', '')}")
    if not options.dry_run:
        confirm(f"{verb.capitalize()} these {len(chosen)} contracts?", options.assume_yes)
    return skips


def _skipped(row: Row, reason: str) -> Outcome:
    return Outcome(row.number, SKIPPED, row.data["id"],
                   extra={"contract_status": row.data["status"], "reason": reason})


def _run(rows: list[Row], action: Action, options: BulkOptions, description: str) -> int:
    report = Report(options.report)
    try:
        return BulkRun(options.concurrency, description, options.stop).run(
            rows, action, report, total=len(rows))
    finally:
        report.close()
