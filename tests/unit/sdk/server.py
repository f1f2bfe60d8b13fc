"""A scripted API for the SDK's tests: answers queued per path, every request recorded."""

from __future__ import annotations

import json
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

import httpx

from cms_client import AsyncCmsClient, CmsClient

BASE = "https://cms.example.com"
DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
STAMP = "2026-12-07T06:00:00.000Z"

Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class ScriptedApi:
    """``answer(path, ...)`` queues answers for a path; the last one repeats."""

    def __init__(self) -> None:
        self.answers: dict[str, deque[Answer]] = defaultdict(deque)
        self.requests: list[httpx.Request] = []
        self.delays: list[float] = []

    def answer(self, path: str, *answers: Answer) -> None:
        self.answers[path].extend(answers)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self.answers[request.url.path]
        if not queue:
            return httpx.Response(404, json={"code": "not_found", "detail": "unscripted"})
        answer = queue.popleft() if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        return answer(request) if callable(answer) else answer

    def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.delays.append(seconds)

    def client(self, **options: Any) -> CmsClient:
        options.setdefault("token", "t")
        return CmsClient(BASE, http=httpx.Client(transport=httpx.MockTransport(self)),
                         sleep=self.sleep, **options)

    def async_client(self, **options: Any) -> AsyncCmsClient:
        options.setdefault("token", "t")

        async def serve(request: httpx.Request) -> httpx.Response:
            await request.aread()
            return self(request)

        return AsyncCmsClient(BASE, http=httpx.AsyncClient(transport=httpx.MockTransport(serve)),
                              sleep=self.asleep, **options)

    def sent(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


def problem(status: int, code: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, headers=headers,
                          json={"status": status, "code": code, "detail": code})


def identity(did: str) -> dict[str, Any]:
    return {"did": did, "name": "", "type": "user", "status": "active", "roles": [],
            "created_at": STAMP, "updated_at": STAMP}


def event(seq: int) -> dict[str, Any]:
    return {"v": 1, "stream": "contract:x", "seq": seq, "event_id": f"e{seq}",
            "type": "contract.created", "actor": DID, "at": STAMP, "data": {},
            "prev_hash": "0" * 64, "hash": "1" * 64,
            "anchor": {"state": "pending", "tx_hash": None}}
