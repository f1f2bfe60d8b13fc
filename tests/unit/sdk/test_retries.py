"""Retries: which answers and failures are tried again, how long the client waits, and that a
create keeps one Idempotency-Key across its retries."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from cms_client import RetryPolicy, ServiceUnavailable
from cms_client.errors import RateLimited
from cms_client.generated.problems import DependencyUnavailable
from tests.unit.sdk.server import DID, ScriptedApi, identity, problem

ME = "/api/v1/identities/me"
CONTRACTS = "/api/v1/contracts"
NEW_CONTRACT = {"title": "Licence", "consumer_did": DID, "template_id": "data_licence",
                "variables": {}}


def test_a_503_is_retried_with_full_jitter_backoff_under_a_growing_ceiling():
    api = ScriptedApi()
    api.answer(ME, problem(503, "dependency_unavailable"))
    client = api.client(retry=RetryPolicy(attempts=4, base_delay_s=1.0, max_delay_s=3.0))
    with pytest.raises(DependencyUnavailable) as error:
        client.me()
    assert error.value.status == 503 and isinstance(error.value, ServiceUnavailable)
    assert len(api.requests) == 4 and len(api.delays) == 3
    # Full jitter: anywhere in [0, min(cap, base * 2^attempt)].
    for delay, ceiling in zip(api.delays, [1.0, 2.0, 3.0], strict=True):
        assert 0 <= delay <= ceiling


def test_the_backoff_is_the_jitter_times_the_ceiling():
    from cms_client.transport import Transport

    api = ScriptedApi()
    api.answer(ME, problem(429, "rate_limited"), problem(429, "rate_limited"),
               httpx.Response(200, json={"did": DID}))
    transport = Transport("https://x", httpx.Client(transport=httpx.MockTransport(api)),
                          policy=RetryPolicy(base_delay_s=2.0), sleep=api.sleep,
                          jitter=lambda: 0.5)
    from cms_client.transport import ApiCall

    assert transport.send(ApiCall("GET", ME, response=dict)) == {"did": DID}
    assert api.delays == [1.0, 2.0]


def test_retry_after_is_honoured_and_capped():
    api = ScriptedApi()
    api.answer(ME, problem(429, "rate_limited", {"Retry-After": "7"}),
               problem(429, "rate_limited", {"Retry-After": "120"}),
               httpx.Response(200, json={"did": DID}))
    assert api.client(retry=RetryPolicy(max_delay_s=30)).me() == {"did": DID}
    assert api.delays == [7.0, 30.0]


def test_retry_after_as_an_http_date_counts_from_the_clock():
    api = ScriptedApi()
    api.answer(ME, problem(503, "dependency_unavailable",
                           {"Retry-After": "Wed, 09 Dec 2026 06:00:10 GMT"}),
               httpx.Response(200, json={"did": DID}))
    now = 1796796000.0  # 2026-12-09T06:00:00Z
    assert api.client(clock=lambda: now).me() == {"did": DID}
    assert api.delays == [10.0]


def test_when_the_retries_are_spent_the_error_says_when_to_come_back():
    api = ScriptedApi()
    api.answer(ME, problem(429, "rate_limited", {"Retry-After": "2"}))
    with pytest.raises(RateLimited) as error:
        api.client().me()
    assert (error.value.code, error.value.retry_after) == ("rate_limited", 2)
    assert len(api.requests) == RetryPolicy().attempts


@pytest.mark.parametrize("status", [400, 404, 409, 500, 502])
def test_other_errors_are_not_retried(status):
    api = ScriptedApi()
    api.answer(ME, problem(status, "whatever"))
    with pytest.raises(Exception, match=str(status)):
        api.client().me()
    assert len(api.requests) == 1 and api.delays == []


def test_a_create_keeps_its_idempotency_key_across_retries_and_a_new_create_gets_another():
    api = ScriptedApi()
    created = httpx.Response(201, json={"id": "c1"})
    api.answer(CONTRACTS, problem(503, "dependency_unavailable"), created,
               problem(429, "rate_limited"), created)
    client = api.client()
    client.create_contract(NEW_CONTRACT)
    client.create_contract(NEW_CONTRACT)
    keys = [request.headers.get("idempotency-key") for request in api.requests]
    assert keys[0] and keys[0] == keys[1]
    assert keys[2] and keys[2] == keys[3] and keys[2] != keys[0]


def test_every_create_of_the_facade_carries_a_key_and_other_posts_none():
    api = ScriptedApi()
    api.answer("/api/v1/webhooks", problem(503, "dependency_unavailable"),
               httpx.Response(201, json={"id": "w1"}))
    api.answer("/api/v1/training-jobs", httpx.Response(201, json={"id": "j1"}))
    api.answer("/api/v1/contracts/c1/verify", httpx.Response(200, json={}))
    client = api.client()
    client.create_webhook("https://hooks.example.com/cms")
    client._call("POST", "/api/v1/training-jobs", {"contract_id": "c1"})
    client.verify("c1")
    keys = [request.headers.get("idempotency-key") for request in api.requests]
    assert keys[0] and keys[0] == keys[1] and keys[2] and keys[2] != keys[0]
    assert keys[3] is None


def test_a_given_key_is_used_and_a_lost_connection_on_a_create_is_retried_with_it():
    api = ScriptedApi()
    api.answer(CONTRACTS, httpx.ReadError("reset"), httpx.Response(201, json={"id": "c1"}))
    assert api.client().create_contract(NEW_CONTRACT, idempotency_key="run-1:row-7") == {
        "id": "c1"}
    assert [r.headers["idempotency-key"] for r in api.requests] == ["run-1:row-7"] * 2


def test_a_lost_connection_is_retried_for_a_read_but_not_for_a_post_without_a_key():
    api = ScriptedApi()
    api.answer(ME, httpx.ConnectError("refused"), httpx.Response(200, json={"did": DID}))
    assert api.client().me() == {"did": DID}
    api.answer("/api/v1/auth/logout", httpx.ReadError("reset"))
    with pytest.raises(ServiceUnavailable) as error:
        api.client().logout()
    assert (error.value.status, error.value.code) == (0, "network_error")
    assert [r.url.path for r in api.requests].count("/api/v1/auth/logout") == 1


def test_a_connection_that_never_comes_back_is_a_network_error_after_the_attempts():
    api = ScriptedApi()
    api.answer(ME, httpx.ConnectError("refused"))
    with pytest.raises(ServiceUnavailable) as error:
        api.client(retry=RetryPolicy(attempts=3)).me()
    assert error.value.code == "network_error" and len(api.requests) == 3


def test_one_attempt_means_no_retry():
    api = ScriptedApi()
    api.answer(ME, problem(503, "dependency_unavailable"))
    with pytest.raises(ServiceUnavailable):
        api.client(retry=RetryPolicy(attempts=1)).me()
    assert len(api.requests) == 1


def test_the_async_client_retries_the_same_way():
    api = ScriptedApi()
    api.answer(CONTRACTS, problem(503, "dependency_unavailable", {"Retry-After": "3"}),
               httpx.Response(201, json={"id": "c1"}))
    api.answer("/api/v1/identities", problem(429, "rate_limited"),
               httpx.Response(200, json={"items": [identity(DID)], "next_cursor": None}))

    async def scenario():
        async with api.async_client() as client:
            created = await client.create_contract(NEW_CONTRACT)
            page = await client.api.list_identities(status="active")
            return created, page

    created, page = asyncio.run(scenario())
    assert created == {"id": "c1"} and [i.did for i in page.items] == [DID]
    keys = [r.headers.get("idempotency-key") for r in api.requests[:2]]
    assert keys[0] and keys[0] == keys[1]
    assert api.delays[0] == 3.0 and len(api.delays) == 2


def test_a_bare_503_to_a_post_without_a_key_is_not_sent_again():
    # The handler may have acted before failing: repeating a transition could act twice.
    api = ScriptedApi()
    api.answer(f"{CONTRACTS}/c1/activate", problem(503, "dependency_unavailable"),
               httpx.Response(200, json={"id": "c1", "status": "active"}))
    with pytest.raises(ServiceUnavailable):
        api.client().transition("c1", "activate")
    assert len(api.requests) == 1 and api.delays == []


def test_a_503_with_retry_after_or_a_429_is_sent_again_whatever_the_method():
    api = ScriptedApi()
    api.answer(f"{CONTRACTS}/c1/activate",
               problem(503, "dependency_unavailable", {"Retry-After": "2"}),
               problem(429, "rate_limited"),
               httpx.Response(200, json={"id": "c1", "status": "active"}))
    assert api.client().transition("c1", "activate")["status"] == "active"
    assert len(api.requests) == 3 and api.delays[0] == 2.0


def test_a_bare_503_is_sent_again_for_a_keyed_post_and_an_idempotent_method():
    api = ScriptedApi()
    api.answer(CONTRACTS, problem(503, "dependency_unavailable"),
               httpx.Response(201, json={"id": "c1"}))
    api.answer(f"{CONTRACTS}/c1", problem(503, "dependency_unavailable"),
               httpx.Response(200, json={"id": "c1"}))
    client = api.client()
    assert client.create_contract(NEW_CONTRACT) == {"id": "c1"}
    assert client.get_contract("c1") == {"id": "c1"}
    assert len(api.requests) == 4


def test_a_page_position_given_twice_is_a_loop_not_an_endless_listing():
    from cms_client.errors import UnexpectedResponse

    api = ScriptedApi()
    cursor = f"active:{DID}"
    page = {"items": [identity(DID)], "next_cursor": cursor}
    api.answer("/api/v1/identities", lambda request: httpx.Response(200, json=page))
    items = api.client().api.iter_list_identities()
    with pytest.raises(UnexpectedResponse, match="a second time"):
        for _ in items:
            pass
    assert len(api.requests) == 2

    async def listing() -> int:
        read = 0
        async with api.async_client() as client:
            async for _ in client.api.iter_list_identities():
                read += 1
        return read

    with pytest.raises(UnexpectedResponse):
        asyncio.run(listing())
