"""``cms webhook``: the secret is data on stdout with a note on stderr; delete asks first;
deliveries follow the cursor."""

from __future__ import annotations

import json

from cms_client.generated import models
from tests.unit.cli.platform_answers import (
    HOOK,
    delivery,
    delivery_id,
    page,
    webhook,
    webhook_with_secret,
)
from tests.unit.cli.platform_api import ScriptedApi, api, cms

__all__ = ["api"]
WEBHOOKS = "/api/v1/webhooks"


def test_create_prints_the_secret_as_data_and_the_warning_as_a_message(api: ScriptedApi,
                                                                       capsys) -> None:
    created = webhook_with_secret()
    api.answers[("POST", WEBHOOKS)] = (201, created)
    assert cms("webhook", "create", "https://x.example/h", "--event-type",
               "contract.signed") == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["secret"] == created["secret"] and created["secret"] not in err
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
    api.answers[("PATCH", f"{WEBHOOKS}/{HOOK}")] = [(200, webhook("disabled")),
                                                   (200, webhook("active"))]
    assert cms("webhook", "disable", HOOK) == 0
    assert cms("webhook", "enable", HOOK) == 0
    assert api.bodies("PATCH", f"{WEBHOOKS}/{HOOK}") == [{"status": "disabled"},
                                                        {"status": "active"}]


def test_list_prints_the_webhooks(api: ScriptedApi, capsys) -> None:
    api.answers[("GET", WEBHOOKS)] = (200, {"items": [webhook()]})
    assert cms("webhook", "list") == 0
    assert [w["id"] for w in json.loads(capsys.readouterr().out)] == [HOOK]


def test_deliveries_follow_the_cursor_up_to_the_limit(api: ScriptedApi, capsys) -> None:
    path = f"{WEBHOOKS}/{HOOK}/deliveries"
    api.answers[("GET", path)] = [
        (200, page(models.DeliveryPage, [delivery(3), delivery(2)], delivery_id(2))),
        (200, page(models.DeliveryPage, [delivery(1)], None))]
    assert cms("webhook", "deliveries", HOOK) == 0
    assert [d["id"] for d in json.loads(capsys.readouterr().out)] == [
        delivery_id(3), delivery_id(2), delivery_id(1)]
    assert [r.url.params.get("cursor") for r in api.sent("GET", path)] == [None,
                                                                          delivery_id(2)]
    api.requests.clear()
    api.answers[("GET", path)] = [
        (200, page(models.DeliveryPage, [delivery(3), delivery(2)], delivery_id(2)))]
    assert cms("webhook", "deliveries", HOOK, "--limit", "1") == 0
    assert [d["id"] for d in json.loads(capsys.readouterr().out)] == [delivery_id(3)]
    assert [r.url.params["limit"] for r in api.sent("GET", path)] == ["1"]


def test_redeliver_replays_the_delivery(api: ScriptedApi) -> None:
    path = f"{WEBHOOKS}/{HOOK}/deliveries/{delivery_id(1)}/replay"
    api.answers[("POST", path)] = (202, delivery(1, "pending"))
    assert cms("webhook", "redeliver", HOOK, delivery_id(1)) == 0
    assert len(api.sent("POST", path)) == 1
