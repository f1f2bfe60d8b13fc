"""Bulk work: reading rows, idempotency keys, the report, exit codes and Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import threading

import pytest

from cms_client.cli import main
from cms_client.cli.bulk_runner import BulkRun, Outcome, Report, Row, row_idempotency_key
from cms_client.cli.commands.bulk import BulkOptions, create_from_file, read_rows, where_filters
from cms_client.cli.exit_codes import CliError, ExitCode
from cms_client.transport import RetryPolicy
from tests.unit.cli.fake_contracts_api import BASE, CONSUMER, FakeContractsApi, fake_api

__all__ = ["fake_api"]

TEMPLATE_X = {"template": {"id": "x", "version": 1, "variables": {}}}
CSV = ("template_id,consumer_did,title,var.jurisdiction,var.breach_notification_hours,"
       "var.regulations,var.payment.total\n"
       f"compliance,{CONSUMER},First,EU,72,\"[\"\"GDPR\"\"]\",10\n"
       f",{CONSUMER},Second,UK,\"\"\"24\"\"\",,\n")


def _report(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_csv_rows_become_create_bodies(tmp_path) -> None:
    source = tmp_path / "rows.csv"
    source.write_text(CSV)
    first, second = read_rows(str(source), template_id="data_sharing")
    assert first.number == 1 and first.data == {
        "template_id": "compliance", "consumer_did": CONSUMER, "title": "First",
        "variables": {"jurisdiction": "EU", "breach_notification_hours": 72,
                      "regulations": ["GDPR"], "payment": {"total": 10}}}
    # An empty template_id takes --template-id's; a JSON string stays a string.
    assert second.data["template_id"] == "data_sharing"
    assert second.data["variables"] == {"jurisdiction": "UK", "breach_notification_hours": "24"}


def test_jsonl_rows_and_unknown_csv_columns(tmp_path) -> None:
    source = tmp_path / "rows.jsonl"
    source.write_text('{"consumer_did": "did:x", "variables": {"a": 1}}\n\n'
                      '{"consumer_did": "did:y", "variables": {}}\n')
    rows = read_rows(str(source), template_id="compliance")
    assert [(r.number, r.data["template_id"]) for r in rows] == [(1, "compliance"),
                                                                  (2, "compliance")]
    bad = tmp_path / "bad.csv"
    bad.write_text("consumer_did,colour\ndid:x,red\n")
    with pytest.raises(CliError, match="colour"):
        read_rows(str(bad))


def test_a_rows_key_depends_on_its_content_and_position_only() -> None:
    body = {"template_id": "compliance", "variables": {"a": 1, "b": 2}}
    reordered = {"variables": {"b": 2, "a": 1}, "template_id": "compliance"}
    key = row_idempotency_key(Row(3, body), body)
    assert key == row_idempotency_key(Row(3, reordered), reordered)
    assert key != row_idempotency_key(Row(4, body), body)
    changed = {**body, "title": "x"}
    assert key != row_idempotency_key(Row(3, changed), changed)
    assert len(key) <= 255 and key.isprintable()


def test_where_takes_filters_and_a_bare_status() -> None:
    assert where_filters(["review", "template_id=compliance"]) == {
        "status": "review", "template_id": "compliance"}
    with pytest.raises(CliError, match="colour"):
        where_filters(["colour=red"])
    with pytest.raises(CliError):
        where_filters([])


def test_bulk_create_reports_each_row_and_a_bad_row_fails_alone(
        fake_api: FakeContractsApi, capsys, tmp_path) -> None:
    source = tmp_path / "rows.jsonl"
    source.write_text("\n".join(json.dumps({"consumer_did": did, "variables": {"n": n}})
                                for n, did in enumerate([CONSUMER, "nobody", CONSUMER])))
    args = ["contract", "create", "--from", str(source), "--template-id", "compliance"]
    assert main(args) == ExitCode.PARTIAL
    first = sorted(_report(capsys.readouterr().out), key=lambda line: line["row"])
    assert [line["status"] for line in first] == ["created", "failed", "created"]
    assert first[1]["problem"]["code"] == "validation_error" and first[1]["id"] is None
    assert len(fake_api.contracts) == 2

    # Run again: the same keys answer the same contracts, which predate this run.
    for contract in fake_api.contracts.values():
        contract["created_at"] = "2026-01-01T00:00:00.000Z"
    assert main(args) == ExitCode.PARTIAL
    again = sorted(_report(capsys.readouterr().out), key=lambda line: line["row"])
    assert [line["status"] for line in again] == ["exists", "failed", "exists"]
    assert [line["id"] for line in again] == [line["id"] for line in first]
    assert len(fake_api.contracts) == 2


def test_dry_run_sends_nothing_and_prints_the_plan(fake_api: FakeContractsApi, capsys,
                                                   tmp_path) -> None:
    source = tmp_path / "rows.csv"
    source.write_text(CSV)
    report = tmp_path / "report.jsonl"
    assert main(["contract", "create", "--from", str(source), "--template-id", "compliance",
                 "--dry-run", "--report", str(report)]) == 0
    assert fake_api.requests == []
    planned = _report(report.read_text())
    assert {line["status"] for line in planned} == {"dry-run"}
    assert planned[0]["body"]["title"] in {"First", "Second"}


def test_from_refuses_single_contract_fields(fake_api, capsys, tmp_path) -> None:
    source = tmp_path / "rows.csv"
    source.write_text(CSV)
    assert main(["contract", "create", "--from", str(source), "--title", "x"]) == 1
    assert fake_api.requests == []


def test_transition_where_skips_contracts_whose_status_forbids_it(
        fake_api: FakeContractsApi, capsys) -> None:
    drafts = [fake_api.add(metadata=TEMPLATE_X) for _ in range(3)]
    fake_api.add(status="active", metadata=TEMPLATE_X)
    assert main(["contract", "transition", "submit", "--where", "template_id=x",
                 "--yes"]) == 0
    outcomes = _report(capsys.readouterr().out)
    assert sorted(line["status"] for line in outcomes) == ["skipped"] + ["transitioned"] * 3
    assert {c["status"] for c in drafts} == {"review"}
    assert len(fake_api.posted("/submit")) == 3


def test_where_asks_first_and_refuses_without_yes_off_a_terminal(
        fake_api: FakeContractsApi, capsys) -> None:
    draft = fake_api.add(title="Lease 7", metadata=TEMPLATE_X)
    assert main(["contract", "transition", "submit", "--where", "template_id=x"]) == 1
    err = capsys.readouterr().err
    assert "1 contracts" in err and draft["id"] in err and "Lease 7" in err and "--yes" in err
    assert fake_api.posted() == [] and draft["status"] == "draft"
    # A dry run asks nothing and changes nothing.
    assert main(["contract", "transition", "submit", "--where", "template_id=x",
                 "--dry-run"]) == 0
    assert fake_api.posted() == []


def test_a_server_that_ignores_a_filter_moves_nothing_outside_the_selection(
        fake_api: FakeContractsApi, capsys) -> None:
    # The fake lists every contract whatever the template, counterparty or dates asked.
    chosen = fake_api.add(metadata=TEMPLATE_X, created_at="2026-06-01T00:00:00.000Z")
    others = [fake_api.add(metadata={"template": {**TEMPLATE_X["template"], "id": "y"}},
                           created_at="2026-06-01T00:00:00.000Z"),
              fake_api.add(metadata=TEMPLATE_X, created_at="2025-01-01T00:00:00.000Z"),
              fake_api.add(metadata=TEMPLATE_X, created_at="2026-06-01T00:00:00.000Z",
                           consumer_did="did:key:z6Mkother")]
    assert main(["contract", "transition", "submit", "--where", "template_id=x",
                 "--where", "created_after=2026-01-01T00:00:00Z",
                 "--where", "created_before=2027-01-01T00:00:00Z",
                 "--where", f"counterparty={CONSUMER}", "--yes"]) == 0
    outcomes = {line["id"]: line for line in _report(capsys.readouterr().out)}
    assert outcomes[chosen["id"]]["status"] == "transitioned"
    for other in others:
        assert outcomes[other["id"]]["status"] == "skipped"
        assert outcomes[other["id"]]["reason"].startswith("outside the selection")
        assert other["status"] == "draft"
    assert [r.url.path for r in fake_api.posted()] == [
        f"/api/v1/contracts/{chosen['id']}/submit"]


def test_the_first_ctrl_c_lets_running_rows_finish_and_starts_no_more(tmp_path) -> None:
    report_path = tmp_path / "report.jsonl"
    original = signal.getsignal(signal.SIGINT)
    started = []

    def action(row: Row) -> Outcome:
        started.append(row.number)
        if row.number == 2:
            os.kill(os.getpid(), signal.SIGINT)
            # The runner's handler steps aside once it has run: the stop is then recorded.
            while signal.getsignal(signal.SIGINT) is not original:
                threading.Event().wait(0.01)
        return Outcome(row.number, "created", f"id-{row.number}")

    report = Report(report_path)
    code = BulkRun(concurrency=1).run((Row(n, {}) for n in range(1, 11)), action, report)
    report.close()
    assert code == ExitCode.INTERRUPTED
    assert started == [1, 2]
    assert [line["row"] for line in _report(report_path.read_text())] == [1, 2]
    assert signal.getsignal(signal.SIGINT) is original


def test_sign_where_signs_only_contracts_awaiting_this_identity(
        fake_api: FakeContractsApi, capsys, monkeypatch) -> None:
    from cms_client.signers import EthereumSigner

    signer = EthereumSigner()
    awaiting = fake_api.add(status="review", pending_signers=[signer.did])
    fake_api.add(status="review", pending_signers=[CONSUMER])  # signed by us already
    fake_api.add(status="draft", pending_signers=[signer.did])
    signed = []

    def sign_contract(client, contract_id, by):
        signed.append((contract_id, by.did))
        return {**fake_api.contracts[contract_id], "status": "signed"}

    monkeypatch.setattr("cms_client.cli.session.CliSession.signer", lambda _: signer)
    monkeypatch.setattr("cms_client.client.CmsClient.sign_contract", sign_contract)
    assert main(["contract", "sign", "--where", "review", "--where", "status=review",
                 "--dry-run"]) == 0
    assert signed == [] and sorted(line["status"] for line in _report(
        capsys.readouterr().out)) == ["dry-run", "skipped"]
    assert main(["contract", "sign", "--where", "status=review"]) == 1  # not confirmed
    assert signed == [] and "--yes" in capsys.readouterr().err
    assert main(["contract", "sign", "--where", "status=review", "--yes"]) == 0
    assert signed == [(awaiting["id"], signer.did)]
    assert sorted(line["status"] for line in _report(capsys.readouterr().out)) == \
        ["signed", "skipped"]


class RecordedStop(threading.Event):
    """A run's stop event whose waits are recorded instead of waited."""

    def __init__(self, stopped: bool = False) -> None:
        super().__init__()
        self.waits: list[float | None] = []
        self.stopped = stopped

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        if self.stopped:  # a Ctrl-C during the wait
            self.set()
        return self.stopped


def _busy_once(fake_api: FakeContractsApi, monkeypatch, retry_after: str) -> list[str]:
    import httpx

    original, refusals = fake_api._answer, []

    def busy_once(request):
        if request.method == "POST" and not refusals:
            refusals.append(request.headers["idempotency-key"])
            return httpx.Response(409, headers={"Retry-After": retry_after}, json={
                "code": "idempotency_in_progress", "detail": "still being processed"})
        return original(request)

    monkeypatch.setattr(fake_api, "_answer", busy_once)
    return refusals


def _one_row(tmp_path) -> list[Row]:
    source = tmp_path / "rows.jsonl"
    source.write_text(json.dumps({"template_id": "compliance", "consumer_did": CONSUMER,
                                  "variables": {}}))
    return read_rows(str(source))


def _client(fake_api: FakeContractsApi):
    import httpx

    from cms_client.client import CmsClient
    return CmsClient(BASE, token="t", http=httpx.Client(transport=httpx.MockTransport(fake_api)))


def test_a_row_still_in_progress_from_a_killed_run_is_asked_again_within_a_capped_wait(
        fake_api: FakeContractsApi, capsys, monkeypatch, tmp_path) -> None:
    refusals = _busy_once(fake_api, monkeypatch, retry_after="999999")
    stop = RecordedStop()
    code = create_from_file(_client(fake_api), _one_row(tmp_path),
                            BulkOptions(1, False, None, stop=stop))
    assert code == 0
    assert [line["status"] for line in _report(capsys.readouterr().out)] == ["created"]
    assert stop.waits == [RetryPolicy().max_delay_s]
    assert [r.headers["idempotency-key"] for r in fake_api.posted()] == refusals * 2


def test_a_stop_ends_the_wait_and_the_row_fails_with_the_servers_answer(
        fake_api: FakeContractsApi, capsys, monkeypatch, tmp_path) -> None:
    _busy_once(fake_api, monkeypatch, retry_after="5")
    code = create_from_file(_client(fake_api), _one_row(tmp_path),
                            BulkOptions(1, False, None, stop=RecordedStop(stopped=True)))
    assert code == ExitCode.INTERRUPTED
    (line,) = _report(capsys.readouterr().out)
    assert line["status"] == "failed" and line["problem"]["code"] == "idempotency_in_progress"
    assert len(fake_api.posted()) == 1


@pytest.mark.parametrize(("text", "message"), [
    ("template_id,title\nt,a,extra,cells\n", "row 1: 2 cells more than the header"),
    ("template_id,template_version\nt,1\nt,notint\n",
     "row 2, column template_version: 'notint' is not a version number"),
    ("template_id,variables\nt,{oops\n", "row 1, column variables: not JSON"),
    ("template_id,variables\nt,[1]\n", "row 1, column variables: not a JSON object"),
    ("template_id,var.a,var.a.b\nt,1,2\n", "row 1, var.* columns:"),
    ("template_id,var.\nt,1\n", "unknown CSV columns: var."),
])
def test_a_bad_csv_cell_is_refused_naming_its_row_and_column(tmp_path, text, message) -> None:
    source = tmp_path / "rows.csv"
    source.write_text(text)
    with pytest.raises(CliError) as error:
        read_rows(str(source))
    assert message in str(error.value)


def test_a_report_file_is_appended_to_not_erased(fake_api: FakeContractsApi, capsys,
                                                 tmp_path) -> None:
    source = tmp_path / "rows.csv"
    source.write_text(CSV)
    report = tmp_path / "report.jsonl"
    args = ["contract", "create", "--from", str(source), "--template-id", "compliance",
            "--dry-run", "--report", str(report)]
    assert main(args) == 0 and main(args) == 0
    assert sorted(line["row"] for line in _report(report.read_text())) == [1, 1, 2, 2]


def test_after_a_second_ctrl_c_the_running_rows_still_get_their_line(tmp_path) -> None:
    report_path = tmp_path / "report.jsonl"
    original = signal.getsignal(signal.SIGINT)

    def action(row: Row) -> Outcome:
        os.kill(os.getpid(), signal.SIGINT)
        while signal.getsignal(signal.SIGINT) is not original:
            threading.Event().wait(0.01)
        os.kill(os.getpid(), signal.SIGINT)
        # Still running while the main thread takes the second Ctrl-C.
        threading.Event().wait(0.3)
        return Outcome(row.number, "created", f"id-{row.number}")

    report = Report(report_path)
    with pytest.raises(KeyboardInterrupt):
        BulkRun(concurrency=1).run((Row(n, {}) for n in range(1, 4)), action, report)
    report.close()
    assert [line["row"] for line in _report(report_path.read_text())] == [1]
