"""Bulk work on contracts: many created from a CSV or JSONL file, or every contract matching
list filters signed or moved through its lifecycle. Each row's outcome is a line of the JSONL
report; ``cms contract create --from``, ``sign --where`` and ``transition --where`` call in.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cms.domain import strict_json
from cms.domain.canonical import parse_iso
from cms.domain.contracts.commands import Activate, Complete, RequestChanges, Submit, Terminate
from cms.domain.contracts.rules import RULES
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
from cms_client.cli.inputs import assignments, read_bytes
from cms_client.cli.output import note
from cms_client.client import CmsClient
from cms_client.errors import Conflict

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


@dataclass
class BulkOptions:
    concurrency: int
    dry_run: bool
    report: Path | None


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
               if name not in (*ROW_FIELDS, "variables") and not name.startswith(VARIABLE_PREFIX)]
    if unknown:
        raise CliError(f"unknown CSV columns: {', '.join(unknown)} (expected "
                       f"{', '.join(ROW_FIELDS)}, variables or var.<name>)")
    return [_csv_record(cells) for cells in reader]


def _csv_record(cells: dict[str, str | None]) -> dict[str, Any]:
    """A CSV row as a create body: empty cells are left out, ``var.a.b`` cells nest, and a
    cell that parses as JSON (a number, true, a list) is taken as JSON."""
    record: dict[str, Any] = {}
    pairs = []
    for name, value in cells.items():
        if value in (None, "") or name is None:
            continue
        if name.startswith(VARIABLE_PREFIX):
            pairs.append(f"{name[len(VARIABLE_PREFIX):]}={value}")
        elif name == "variables":
            record["variables"] = strict_json.loads(value)
        elif name == "template_version":
            record[name] = int(value)
        else:
            record[name] = value
    if pairs:
        record["variables"] = {**record.get("variables", {}), **assignments(pairs)}
    return record


def create_from_file(client: CmsClient | None, rows: list[Row], options: BulkOptions) -> int:
    """Create one contract per row; ``client`` may be None for a dry run (nothing sent)."""
    started_at = datetime.now(UTC)

    def create(row: Row) -> Outcome:
        key = row_idempotency_key(row, row.data)
        if options.dry_run or client is None:
            return Outcome(row.number, PLANNED,
                           extra={"action": "create", "idempotency_key": key, "body": row.data})
        contract = _retrying_in_progress(
            lambda: client.create_contract(row.data, idempotency_key=key))
        # The server answers a key it has seen with the contract it made then: one made
        # before this run started is an earlier run's.
        earlier = parse_iso(contract["created_at"]) < started_at
        return Outcome(row.number, EXISTS if earlier else CREATED, contract["id"],
                       extra={"contract_status": contract["status"]})

    return _run(rows, create, options, "creating")


def _retrying_in_progress(call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    for _ in range(IN_PROGRESS_RETRIES - 1):
        try:
            return call()
        except Conflict as error:
            if error.code != "idempotency_in_progress":
                raise
            time.sleep(error.retry_after or 1)
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
    contracts = list(client.iter_contracts(**filters, limit=100))
    note(f"{len(contracts)} contracts match")
    return [Row(number, contract) for number, contract in enumerate(contracts, start=1)]


def sign_matching(client: CmsClient, signer: Any, rows: list[Row],
                  options: BulkOptions) -> int:
    def sign(row: Row) -> Outcome:
        contract = row.data
        if contract["status"] != "review" or signer.did not in contract.get(
                "pending_signers", []):
            return Outcome(row.number, SKIPPED, contract["id"],
                           extra={"contract_status": contract["status"],
                                  "reason": "not awaiting this identity's signature"})
        if options.dry_run:
            return Outcome(row.number, PLANNED, contract["id"], extra={"action": "sign"})
        signed = client.sign_contract(contract["id"], signer)
        return Outcome(row.number, SIGNED, contract["id"],
                       extra={"contract_status": signed["status"]})

    return _run(rows, sign, options, "signing")


def transition_matching(client: CmsClient, action: str, body: dict[str, Any] | None,
                        rows: list[Row], options: BulkOptions) -> int:
    allowed = RULES[TRANSITIONS[action]].allowed_from

    def transition(row: Row) -> Outcome:
        contract = row.data
        if contract["status"] not in allowed:
            return Outcome(row.number, SKIPPED, contract["id"],
                           extra={"contract_status": contract["status"],
                                  "reason": f"cannot {action} from {contract['status']}"})
        if options.dry_run:
            return Outcome(row.number, PLANNED, contract["id"], extra={"action": action})
        moved = client.transition(contract["id"], action, body)
        return Outcome(row.number, TRANSITIONED, contract["id"],
                       extra={"contract_status": moved["status"]})

    return _run(rows, transition, options, action)


def _run(rows: list[Row], action: Action, options: BulkOptions, description: str) -> int:
    report = Report(options.report)
    try:
        return BulkRun(options.concurrency, description).run(rows, action, report,
                                                             total=len(rows))
    finally:
        report.close()
