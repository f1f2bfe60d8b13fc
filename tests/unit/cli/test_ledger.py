"""``cms ledger``: info is public, status and batches need a sign-in; batches' limit is
bounded as the API bounds it."""

from __future__ import annotations

import json

from tests.unit.cli.platform_answers import ledger, ledger_batch
from tests.unit.cli.platform_api import ScriptedApi, api, cms

__all__ = ["api"]


def test_info_is_read_without_a_token(api: ScriptedApi, monkeypatch, capsys) -> None:
    monkeypatch.delenv("CMS_TOKEN")
    api.answers[("GET", "/api/v1/ledger")] = (200, ledger())
    assert cms("ledger", "info") == 0
    assert json.loads(capsys.readouterr().out)["pin"] == ledger()["pin"]
    assert "authorization" not in api.requests[0].headers
    assert cms("ledger", "status") == 4


def test_batches_are_the_list_itself_and_the_limit_is_checked(api: ScriptedApi,
                                                             capsys) -> None:
    api.answers[("GET", "/api/v1/ledger/batches")] = (200, {"batches": [ledger_batch(1)]})
    assert cms("ledger", "batches", "--limit", "5") == 0
    assert json.loads(capsys.readouterr().out) == [ledger_batch(1)]
    assert api.requests[0].url.params["limit"] == "5"
    assert cms("ledger", "batches", "--limit", "51") == 1
    assert len(api.requests) == 1
