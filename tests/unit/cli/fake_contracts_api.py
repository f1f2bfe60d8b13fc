"""A small in-memory contracts API behind httpx.MockTransport, for the CLI's unit tests: it
records every request and answers the routes ``cms contract`` uses."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from cms_client.client import CmsClient

BASE = "http://cms.test"
PROVIDER = "did:pkh:eip155:1:0x0000000000000000000000000000000000000001"
CONSUMER = "did:pkh:eip155:1:0x0000000000000000000000000000000000000002"
NEXT_STATUS = {"submit": "review", "request-changes": "draft", "activate": "active",
               "complete": "completed", "terminate": "terminated"}


class FakeContractsApi:
    def __init__(self, page_size: int = 2) -> None:
        self.contracts: dict[str, dict[str, Any]] = {}
        self.by_key: dict[str, str] = {}
        self.requests: list[httpx.Request] = []
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.page_size = page_size
        self.on_create: Callable[[dict[str, Any]], None] | None = None
        self._lock = threading.Lock()

    def add(self, status: str = "draft", created_at: str = "2026-01-01T00:00:00.000Z",
            **fields: Any) -> dict[str, Any]:
        contract = {"id": str(uuid.uuid4()), "title": "t", "status": status,
                    "provider_did": PROVIDER, "consumer_did": CONSUMER,
                    "created_at": created_at, "pending_signers": [PROVIDER, CONSUMER],
                    "metadata": {}, **fields}
        self.contracts[contract["id"]] = contract
        return contract

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
            return self._answer(request)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/identities/me":
            return httpx.Response(200, json={"did": PROVIDER})
        parts = request.url.path.removeprefix("/api/v1/contracts").strip("/").split("/")
        body = json.loads(request.content) if request.content else None
        if request.method == "GET" and parts == [""]:
            return self._page(request)
        if request.method == "POST" and parts == [""]:
            return self._create(request, body)
        contract = self.contracts.get(parts[0])
        if contract is None:
            return httpx.Response(404, json={"code": "not_found", "detail": "no such contract"})
        if request.method == "GET" and len(parts) == 1:
            return httpx.Response(200, json=contract)
        if request.method == "PATCH":
            contract.update(body)
            return httpx.Response(200, json=contract)
        if parts[1] == "events":
            return self._events(request, parts[0])
        if request.method == "POST" and parts[1] in NEXT_STATUS:
            contract["status"] = NEXT_STATUS[parts[1]]
            return httpx.Response(200, json=contract)
        return httpx.Response(404, json={"code": "not_found", "detail": "no such route"})

    def _page(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        items = [c for c in self.contracts.values()
                 if params.get("status") in (None, c["status"])]
        start = int(params.get("cursor", 0))
        size = min(int(params.get("limit", 20)), self.page_size)
        page = items[start:start + size]
        more = start + size < len(items)
        return httpx.Response(200, json={"items": page,
                                         "next_cursor": str(start + size) if more else None})

    def _create(self, request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        if self.on_create is not None:
            self.on_create(body)
        if not str(body.get("consumer_did", "")).startswith("did:"):
            return httpx.Response(422, json={"code": "validation_error",
                                             "detail": "consumer_did is not a DID"})
        key = request.headers.get("idempotency-key")
        if key in self.by_key:
            return httpx.Response(201, json=self.contracts[self.by_key[key]])
        contract = self.add(created_at="2099-01-01T00:00:00.000Z", **body)
        if key:
            self.by_key[key] = contract["id"]
        return httpx.Response(201, json=contract)

    def _events(self, request: httpx.Request, contract_id: str) -> httpx.Response:
        after = int(request.url.params.get("after", -1))
        events = [e for e in self.events.get(contract_id, []) if e["seq"] > after]
        page = events[:self.page_size]
        more = len(events) > self.page_size
        return httpx.Response(200, json={"contract_id": contract_id, "events": page,
                                         "next_after": page[-1]["seq"] if more else None})

    def posted(self, suffix: str = "") -> list[httpx.Request]:
        return [r for r in self.requests if r.method != "GET" and r.url.path.endswith(suffix)]


@pytest.fixture
def fake_api(monkeypatch, tmp_path) -> FakeContractsApi:
    """Every client the CLI makes talks to one FakeContractsApi."""
    api = FakeContractsApi()

    def client(base_url: str, **options: Any) -> CmsClient:
        return CmsClient(base_url, token=options.get("token"),
                         http=httpx.Client(transport=httpx.MockTransport(api)))

    monkeypatch.setattr("cms_client.cli.session.CmsClient", client)
    monkeypatch.setenv("CMS_TOKEN", "t")
    monkeypatch.setenv("CMS_URL", BASE)
    monkeypatch.setenv("CMS_CONFIG_DIR", str(tmp_path / "cms-config"))
    monkeypatch.setenv("CMS_OUTPUT", "json")
    return api


def placed_event(seq: int, event_type: str, contract_id: str = "c") -> dict[str, Any]:
    """An audit event as the API places it (every field its schema requires)."""
    return {"v": 1, "stream": f"contract#{contract_id}", "seq": seq,
            "event_id": f"event-{seq}", "type": event_type, "actor": "did:key:z6Mkfake",
            "at": f"2026-12-07T10:00:0{seq % 10}.000Z", "data": {},
            "prev_hash": f"{seq:064x}", "hash": f"{seq + 1:064x}",
            "anchor": {"state": "pending", "batch": None, "anchor_seq": None, "proof": None,
                       "root": None, "tx_hash": None, "block_number": None}}

