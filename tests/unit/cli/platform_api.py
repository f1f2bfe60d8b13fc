"""A scripted API for the CLI's unit tests: ``cms`` runs in process (``main(argv)``) against
an httpx.MockTransport that answers from a table and records every request."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from cms_client.cli import main
from cms_client.client import CmsClient

Answer = tuple[int, Any] | Callable[[httpx.Request], tuple[int, Any]]


@dataclass
class ScriptedApi:
    """``answers[(METHOD, path)]``: (status, JSON body) or a function of the request; a
    list of them is used in turn (the last one repeats)."""

    answers: dict[tuple[str, str], Answer | list[Answer]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = (request.method, request.url.path)
        if key not in self.answers:
            return httpx.Response(404, json={"code": "not_found", "detail": str(key)})
        answer = self.answers[key]
        if isinstance(answer, list):
            answer = answer.pop(0) if len(answer) > 1 else answer[0]
        status, body = answer(request) if callable(answer) else answer
        if isinstance(body, bytes):
            return httpx.Response(status, content=body)
        return httpx.Response(status, json=body) if body is not None else \
            httpx.Response(status)

    def bodies(self, method: str, path: str) -> list[Any]:
        return [json.loads(r.content) if r.content else None for r in self.requests
                if (r.method, r.url.path) == (method, path)]

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if (r.method, r.url.path) == (method, path)]


@pytest.fixture
def api(monkeypatch) -> ScriptedApi:
    scripted = ScriptedApi()
    transport = httpx.MockTransport(scripted.handle)

    def client(base_url: str, **options: Any) -> CmsClient:
        return CmsClient(base_url, http=httpx.Client(transport=transport), **options)

    monkeypatch.setattr("cms_client.cli.session.CmsClient", client)
    monkeypatch.setenv("CMS_TOKEN", "test-token")
    monkeypatch.setenv("CMS_URL", "http://cms.test")
    monkeypatch.delenv("CMS_OUTPUT", raising=False)
    return scripted


def cms(*argv: str) -> int:
    """``cms -o json …`` in process."""
    return main(["-o", "json", *argv])
