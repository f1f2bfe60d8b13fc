"""``cms contract …`` one contract at a time, against an in-memory API."""

from __future__ import annotations

import json

from cms_client.cli import main
from cms_client.cli.exit_codes import ExitCode
from tests.unit.cli.fake_contracts_api import CONSUMER, FakeContractsApi, fake_api, placed_event

__all__ = ["fake_api"]


def test_list_follows_pagination_sends_the_filters_and_stops_at_the_limit(
        fake_api: FakeContractsApi, capsys) -> None:
    for _ in range(5):
        fake_api.add(status="review")
    fake_api.add(status="draft")
    assert main(["contract", "list", "--status", "review", "--template-id", "compliance",
                 "--created-after", "2026-01-01T00:00:00Z", "--q", "lease"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == 5 and {c["status"] for c in listed} == {"review"}
    params = dict(fake_api.requests[0].url.params)
    assert params["template_id"] == "compliance" and params["q"] == "lease"
    assert params["created_after"] == "2026-01-01T00:00:00Z"
    assert len(fake_api.requests) == 3  # pages of 2, 2 and 1

    fake_api.requests.clear()
    assert main(["contract", "list", "--limit", "3"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3


def test_create_from_a_template_sends_json_variables_and_the_idempotency_key(
        fake_api: FakeContractsApi, capsys, tmp_path) -> None:
    variables = tmp_path / "vars.json"
    variables.write_text('{"jurisdiction": "EU", "breach_notification_hours": 24}')
    assert main(["contract", "create", "--template-id", "compliance", "--vars", str(variables),
                 "--var", "breach_notification_hours=72", "--var", 'regulations=["GDPR"]',
                 "--consumer-did", CONSUMER, "--idempotency-key", "k-1"]) == 0
    sent = fake_api.posted()[0]
    assert sent.headers["idempotency-key"] == "k-1"
    assert json.loads(sent.content) == {
        "template_id": "compliance", "consumer_did": CONSUMER,
        "variables": {"jurisdiction": "EU", "breach_notification_hours": 72,
                      "regulations": ["GDPR"]}}
    assert json.loads(capsys.readouterr().out)["template_id"] == "compliance"


def test_create_without_anything_to_create_is_a_usage_error(fake_api, capsys) -> None:
    assert main(["contract", "create"]) == ExitCode.USAGE
    assert "nothing to create" in capsys.readouterr().err
    assert fake_api.requests == []


def test_update_with_var_merges_into_the_current_variables(fake_api, capsys) -> None:
    contract = fake_api.add(metadata={"template": {"id": "compliance",
                                                   "variables": {"a": 1, "b": 2}}})
    assert main(["contract", "update", contract["id"], "--var", "b=3",
                 "--set", "title=New"]) == 0
    assert json.loads(fake_api.posted()[0].content) == {"title": "New",
                                                        "variables": {"a": 1, "b": 3}}


def test_an_illegal_transition_exits_7_with_the_problem_on_stderr(
        fake_api: FakeContractsApi, capsys, monkeypatch) -> None:
    contract = fake_api.add()
    refusal = {"code": "illegal_transition", "detail": "cannot activate a draft"}
    original = fake_api._answer

    def refuse(request):
        if request.url.path.endswith("/activate"):
            import httpx
            return httpx.Response(409, json=refusal)
        return original(request)

    monkeypatch.setattr(fake_api, "_answer", refuse)
    assert main(["contract", "activate", contract["id"]]) == ExitCode.CONFLICT
    captured = capsys.readouterr()
    assert captured.out == "" and json.loads(captured.err) == refusal


def test_terminate_sends_its_reason_and_refuses_without_yes_off_a_terminal(
        fake_api: FakeContractsApi, capsys) -> None:
    contract = fake_api.add(status="active")
    assert main(["contract", "terminate", contract["id"], "--reason", "breach"]) == 1
    assert fake_api.posted() == [] and "--yes" in capsys.readouterr().err
    assert main(["contract", "terminate", contract["id"], "--reason", "breach", "-y"]) == 0
    assert json.loads(fake_api.posted("/terminate")[0].content) == {"reason": "breach"}


def test_events_reads_every_page(fake_api: FakeContractsApi, capsys) -> None:
    contract = fake_api.add()
    fake_api.events[contract["id"]] = [placed_event(n, "contract.updated")
                                       for n in range(5)]
    assert main(["contract", "events", contract["id"]]) == 0
    assert [e["seq"] for e in json.loads(capsys.readouterr().out)] == [0, 1, 2, 3, 4]


def test_events_follow_stops_once_the_contract_has_ended(
        fake_api: FakeContractsApi, capsys, monkeypatch) -> None:
    contract = fake_api.add(status="active")
    fake_api.events[contract["id"]] = [placed_event(0, "contract.created")]
    polls = []

    def tick(delay: float) -> None:
        # Between two polls the contract completes: the follow must print that event, stop.
        polls.append(delay)
        fake_api.events[contract["id"]].append(placed_event(len(polls), "contract.x"))
        if len(polls) == 3:
            contract["status"] = "completed"

    monkeypatch.setattr("cms_client.cli.commands.contracts.time.sleep", tick)
    assert main(["-o", "jsonl", "contract", "events", contract["id"], "--follow"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["seq"] for e in lines] == [0, 1, 2, 3]
    assert polls == [1.0, 1.0, 1.0]  # each poll found something: the backoff restarted


def test_document_refuses_an_unknown_format_before_any_request(fake_api, capsys) -> None:
    assert main(["contract", "document", "x", "--format", "docx"]) == ExitCode.USAGE
    assert fake_api.requests == []


def test_events_follow_backs_off_while_nothing_happens(
        fake_api: FakeContractsApi, capsys, monkeypatch) -> None:
    contract = fake_api.add(status="active")
    fake_api.events[contract["id"]] = [placed_event(0, "contract.created")]
    polls = []

    def tick(delay: float) -> None:
        polls.append(delay)
        if len(polls) == 6:
            contract["status"] = "terminated"

    monkeypatch.setattr("cms_client.cli.commands.contracts.time.sleep", tick)
    assert main(["-o", "jsonl", "contract", "events", contract["id"], "-f"]) == 0
    assert polls == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert len(capsys.readouterr().out.splitlines()) == 1
