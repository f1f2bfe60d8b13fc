"""The typed operations (client.api): what goes on the wire, what comes back, and the
iterators that follow a list's pages."""

from __future__ import annotations

import asyncio

import httpx
import pydantic
import pytest

from cms_client.errors import UnexpectedResponse
from cms_client.generated import models
from tests.unit.sdk.server import DID, ScriptedApi, event, identity, problem

WEB_DID = "did:web:example.com%3A8443:users:ada"
CURSOR1, CURSOR2 = "active:did:key:z6Mk1", "active:did:key:z6Mk2"
CONTRACT = "7d5b0f7e-2a51-4a47-9c43-3f6f0e4f7a10"


def test_path_parameters_are_quoted_and_query_parameters_left_out_when_none():
    api = ScriptedApi()
    api.answer(f"/api/v1/identities/{WEB_DID}/events",
               httpx.Response(200, json={"did": WEB_DID, "events": []}))
    api.answer("/api/v1/contracts", httpx.Response(200, json={"items": [],
                                                              "next_cursor": None}))
    client = api.client()
    assert client.api.list_identity_events(WEB_DID).events == []
    page = client.api.list_contracts(status="active", q=None, limit=5)
    assert page.items == [] and page.next_cursor is None
    assert api.requests[0].url.raw_path.decode() == (
        "/api/v1/identities/did:web:example.com%253A8443:users:ada/events")
    assert dict(api.requests[1].url.params) == {"status": "active", "limit": "5"}
    assert api.requests[1].headers["authorization"] == "Bearer t"


def test_a_body_may_be_a_model_or_a_dict_and_a_wrong_dict_is_refused_before_sending():
    api = ScriptedApi()
    api.answer("/api/v1/webhooks/w1", httpx.Response(200, json={}))
    client = api.client()
    with pytest.raises(pydantic.ValidationError):
        client.api.update_webhook("w1", body={"status": "sleeping"})
    assert api.requests == []
    # The answer here is no Webhook (the server's fault, not the caller's): what was sent
    # is the point.
    with pytest.raises(UnexpectedResponse):
        client.api.update_webhook("w1", body=models.WebhookChange(status="disabled"))
    with pytest.raises(UnexpectedResponse):
        client.api.update_webhook("w1", body={"status": "active"})
    assert [api.sent(i) for i in range(2)] == [{"status": "disabled"}, {"status": "active"}]


def test_no_content_is_none_and_the_answer_is_a_model():
    api = ScriptedApi()
    api.answer("/api/v1/auth/logout", httpx.Response(204))
    api.answer("/api/v1/identities", httpx.Response(200, json={
        "items": [identity(DID)], "next_cursor": None}))
    client = api.client()
    assert client.api.logout() is None
    page = client.api.list_identities()
    assert isinstance(page, models.IdentityPage) and page.items[0].did == DID
    assert page.model_dump(mode="json", by_alias=True, exclude_unset=True)["items"][0][
        "status"] == "active"


def test_the_typed_create_sends_an_idempotency_key_given_or_new():
    api = ScriptedApi()
    api.answer("/api/v1/contracts", problem(409, "contract_exists"))
    client = api.client()
    body = {"title": "T", "consumer_did": DID, "template_id": "data_licence", "variables": {}}
    for key in ("run-1:row-7", None):
        with pytest.raises(Exception, match="contract_exists"):
            client.api.create_contract(body=body, idempotency_key=key)
    sent = [r.headers["idempotency-key"] for r in api.requests]
    assert sent[0] == "run-1:row-7" and len(sent[1]) == 36


def test_a_cursor_list_iterator_follows_next_cursor_with_the_same_filters():
    api = ScriptedApi()
    dids = [f"did:key:z6Mk{n}" for n in range(5)]
    api.answer("/api/v1/identities",
               httpx.Response(200, json={"items": [identity(d) for d in dids[:2]],
                                         "next_cursor": CURSOR1}),
               httpx.Response(200, json={"items": [], "next_cursor": CURSOR2}),
               httpx.Response(200, json={"items": [identity(d) for d in dids[2:]],
                                         "next_cursor": None}))
    found = [i.did for i in api.client().api.iter_list_identities(status="active", limit=2)]
    assert found == dids
    assert [dict(r.url.params) for r in api.requests] == [
        {"status": "active", "limit": "2"},
        {"status": "active", "limit": "2", "cursor": CURSOR1},
        {"status": "active", "limit": "2", "cursor": CURSOR2}]


def test_the_events_iterator_pages_with_after():
    api = ScriptedApi()
    path = f"/api/v1/contracts/{CONTRACT}/events"
    api.answer(path, httpx.Response(200, json={"contract_id": CONTRACT, "next_after": 1,
                                               "events": [event(0), event(1)]}),
               httpx.Response(200, json={"contract_id": CONTRACT, "events": [event(2)],
                                         "next_after": None}))
    seqs = [e.seq for e in api.client().api.iter_list_contract_events(CONTRACT, limit=2)]
    assert seqs == [0, 1, 2]
    assert [r.url.params.get("after") for r in api.requests] == [None, "1"]


def test_the_async_iterators_follow_the_pages_too():
    api = ScriptedApi()
    api.answer("/api/v1/identities",
               httpx.Response(200, json={"items": [identity(DID)], "next_cursor": CURSOR1}),
               httpx.Response(200, json={"items": [identity(WEB_DID)], "next_cursor": None}))
    api.answer("/api/v1/contracts",
               httpx.Response(200, json={"items": [{"id": "a"}], "next_cursor": "x"}),
               httpx.Response(200, json={"items": [{"id": "b"}], "next_cursor": None}))

    async def scenario():
        async with api.async_client() as client:
            typed = [i.did async for i in client.api.iter_list_identities()]
            plain = [c["id"] async for c in client.iter_contracts(status="draft")]
            return typed, plain

    assert asyncio.run(scenario()) == ([DID, WEB_DID], ["a", "b"])


def test_the_facades_plain_iterators_follow_pages_and_stop_a_loop():
    api = ScriptedApi()
    api.answer("/api/v1/contracts",
               httpx.Response(200, json={"items": [{"id": "a"}], "next_cursor": "x"}),
               httpx.Response(200, json={"items": [{"id": "b"}], "next_cursor": "x"}))
    listed = api.client().iter_contracts(status="draft")
    assert [next(listed)["id"], next(listed)["id"]] == ["a", "b"]
    with pytest.raises(UnexpectedResponse, match="a second time"):
        next(listed)


def test_an_answer_that_breaks_the_document_is_the_servers_fault_not_the_callers() -> None:
    from cms_client import CmsClient

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "not a contract"})

    client = CmsClient("https://cms.example", token="t",
                       http=httpx.Client(transport=httpx.MockTransport(answer)))
    with pytest.raises(UnexpectedResponse) as raised:
        client.api.get_contract("7d5b0f7e-2a51-4a47-9c43-3f6f0e4f7a10")
    assert raised.value.code == "unexpected_response"
    assert "GET /api/v1/contracts/{contract_id}" in raised.value.problem["detail"]


def test_timestamps_print_back_exactly_as_sent_and_datetimes_are_accepted() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    sent = "2027-01-01T00:00:00.000Z"
    change = models.ContractChange.model_validate({"valid_until": sent})
    assert change.model_dump(mode="json", exclude_unset=True) == {"valid_until": sent}
    paris = timezone(timedelta(hours=1))
    typed = models.ContractChange(valid_until=datetime(2027, 1, 1, 1, tzinfo=paris))
    assert typed.valid_until == sent
    with pytest.raises(pydantic.ValidationError, match="time zone"):
        models.ContractChange(valid_until=datetime(2027, 1, 1))  # naive: which zone?
    assert models.ContractChange(valid_until=datetime(2027, 1, 1, 0, 0, 0, 1500, tzinfo=UTC)
                                 ).valid_until == "2027-01-01T00:00:00.001500Z"
