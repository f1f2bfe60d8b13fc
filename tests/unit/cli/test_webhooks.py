"""``cms webhook``: the secret is data on stdout with a note on stderr; delete asks first;
deliveries follow the cursor."""

from __future__ import annotations

import json

from tests.unit.cli.platform_api import ScriptedApi, api, cms

__all__ = ["api"]
WEBHOOKS = "/api/v1/webhooks"
HOOK = "3a6e2b9c-0d5f-4e1a-9b7c-2f8d4e6a1c3b"


def test_create_prints_the_secret_as_data_and_the_warning_as_a_message(api: ScriptedApi,
                                                                       capsys) -> None:
    api.answers[("POST", WEBHOOKS)] = (201, {"id": HOOK, "url": "https://x.example/h",
                                             "event_types": ["contract.signed"],
                                             "status": "active", "secret": "whsec_1"})
    assert cms("webhook", "create", "https://x.example/h", "--event-type",
               "contract.signed") == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["secret"] == "whsec_1" and "whsec_1" not in err
    assert "not shown again" in err
    assert api.bodies("POST", WEBHOOKS) == [{"url": "https://x.example/h",
                                             "event_types": ["contract.signed"]}]


def test_delete_without_a_terminal_needs_yes(api: ScriptedApi, capsys) -> None:
    api.answers[("DELETE", f"{WEBHOOKS}/{HOOK}")] = (204, None)
    assert cms("webhook", "delete", HOOK) == 1
    assert api.requests == [] and "--yes" in capsys.readouterr().err
    assert cms("webhook", "delete", HOOK, "--yes") == 0
    assert len(api.sent("DELETE", f"{WEBHOOKS}/{HOOK}")) == 1


def test_enable_and_disable_set_the_status(api: ScriptedApi) -> None:
    api.answers[("PATCH", f"{WEBHOOKS}/{HOOK}")] = (200, {"id": HOOK})
    assert cms("webhook", "disable", HOOK) == 0
    assert cms("webhook", "enable", HOOK) == 0
    assert api.bodies("PATCH", f"{WEBHOOKS}/{HOOK}") == [{"status": "disabled"},
                                                        {"status": "active"}]


def test_deliveries_follow_the_cursor_up_to_the_limit(api: ScriptedApi, capsys) -> None:
    path = f"{WEBHOOKS}/{HOOK}/deliveries"
    api.answers[("GET", path)] = [(200, {"items": [{"id": "d2"}], "next_cursor": "d2"}),
                                  (200, {"items": [{"id": "d1"}], "next_cursor": None})]
    assert cms("webhook", "deliveries", HOOK) == 0
    assert [d["id"] for d in json.loads(capsys.readouterr().out)] == ["d2", "d1"]
    assert [r.url.params.get("cursor") for r in api.sent("GET", path)] == [None, "d2"]


def test_redeliver_replays_the_delivery(api: ScriptedApi) -> None:
    path = f"{WEBHOOKS}/{HOOK}/deliveries/d1/replay"
    api.answers[("POST", path)] = (202, {"id": "d1", "status": "pending"})
    assert cms("webhook", "redeliver", HOOK, "d1") == 0
    assert len(api.sent("POST", path)) == 1
