"""``cms admin`` over a mock API: budgets pick the training contracts (across everything for
admins), deliveries follow pages and redeliver only dead ones (not in a dry run), exports
write only what changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.unit.cli.identity_support import (  # noqa: F401 (home: a fixture)
    audit_event,
    cms,
    home,
    identity,
    serve,
)

C1, C2 = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"

BUDGET = {"contract_id": C1, "epsilon_total": "2.000000000", "epsilon_spent": "0.500000000",
          "epsilon_reserved": "0.250000000", "epsilon_available": "1.250000000",
          "delta": 0.00001, "accountant": "rdp", "jobs": []}
CONTRACTS = [
    {"id": C1, "title": "Training", "status": "active",
     "terms": {"privacy_budget": {"epsilon": 2}}},
    {"id": C2, "title": "Sharing", "status": "active", "terms": {"purpose": "x"}},
]
DELIVERY_PAGES = {
    None: {"items": [{"id": "d1", "status": "dead"}, {"id": "d2", "status": "succeeded"}],
           "next_cursor": "d2"},
    "d2": {"items": [{"id": "d3", "status": "dead"}], "next_cursor": None},
}


ME = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def events(contract_id: str, after: str | None) -> dict[str, Any]:
    """Two pages of one event each: after=-1 (or none), then after=0."""
    seq = 0 if after in (None, "-1") else 1
    return {"contract_id": contract_id, "next_after": 0 if seq == 0 else None,
            "events": [audit_event(f"contract:{contract_id}", seq,
                                   anchor={"state": "pending", "tx_hash": None})]}


class MockApi:
    def __init__(self, roles: list[str]) -> None:
        self.roles = roles
        self.requests: list[httpx.Request] = []
        self.receipt = b'{"receipt":1}'

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path, query = request.url.path, request.url.params
        routes: dict[tuple[str, str], Any] = {
            ("GET", "/api/v1/identities/me"): identity(ME, roles=self.roles),
            ("GET", "/api/v1/contracts"): {"items": CONTRACTS, "next_cursor": None},
            ("GET", f"/api/v1/contracts/{C1}/privacy-budget"): BUDGET,
            ("GET", "/api/v1/webhooks"): {"items": [{"id": "w1"}]},
            ("GET", "/api/v1/webhooks/w1/deliveries"): DELIVERY_PAGES[query.get("cursor")],
            **{("GET", f"/api/v1/contracts/{c}/events"): events(c, query.get("after"))
               for c in (C1, C2)},
        }
        if request.method == "POST" and path.endswith("/replay"):
            return httpx.Response(202, json={"id": path.split("/")[-2], "status": "pending"})
        if path.endswith("/receipt"):
            return httpx.Response(200, content=self.receipt)
        return httpx.Response(200, json=routes[(request.method, path)])

    def replayed(self) -> list[str]:
        return [r.url.path.split("/")[-2] for r in self.requests if r.method == "POST"]


@pytest.fixture
def api(home, monkeypatch) -> MockApi:  # noqa: F811
    mock = MockApi(roles=[])
    serve(monkeypatch, mock)
    return mock


def test_budgets_list_the_training_contracts_only(api, capsys) -> None:
    code, rows, _ = cms(capsys, "admin", "budgets")
    assert code == 0
    assert [(r["contract_id"], r["title"], r["epsilon_available"], r["jobs"]) for r in rows] == [
        (C1, "Training", "1.250000000", 0)]
    listing = next(r for r in api.requests if r.url.path == "/api/v1/contracts")
    assert "scope" not in listing.url.params  # a party reads its own contracts


def test_budgets_read_every_contract_for_an_admin(api, capsys) -> None:
    api.roles = ["admin"]
    assert cms(capsys, "admin", "budgets")[0] == 0
    listing = next(r for r in api.requests if r.url.path == "/api/v1/contracts")
    assert listing.url.params["scope"] == "all"


def test_deliveries_follow_pages_and_redeliver_only_dead_ones(api, capsys) -> None:
    code, rows, _ = cms(capsys, "admin", "deliveries")
    assert code == 0 and [r["id"] for r in rows] == ["d1", "d2", "d3"]
    code, rows, err = cms(capsys, "admin", "deliveries", "--redeliver", "--dry-run")
    assert [r["id"] for r in rows] == ["d1", "d3"] and not any(r["replayed"] for r in rows)
    assert api.replayed() == [] and "dry run" in err
    code, rows, _ = cms(capsys, "admin", "deliveries", "--redeliver")
    assert code == 0 and api.replayed() == ["d1", "d3"]
    assert [(r["id"], r["status"], r["replayed"]) for r in rows] == [
        ("d1", "pending", True), ("d3", "pending", True)]
    assert cms(capsys, "admin", "deliveries", "--dry-run")[0] == 1


def test_export_writes_only_what_changed(api, capsys, tmp_path: Path) -> None:
    target = tmp_path / "out"
    code, rows, _ = cms(capsys, "admin", "export", str(target))
    assert code == 0 and [r["written"] for r in rows] == [
        ["contract.json", "events.json", "receipt.json"]] * 2
    assert (target / C1 / "receipt.json").read_bytes() == api.receipt
    assert json.loads((target / C2 / "contract.json").read_text())["title"] == "Sharing"
    assert [e["seq"] for e in json.loads((target / C1 / "events.json").read_text())] == [0, 1]
    api.receipt = b'{"receipt":2}'
    code, rows, _ = cms(capsys, "admin", "export", str(target))
    assert [(r["written"], r["unchanged"]) for r in rows] == [
        (["receipt.json"], ["contract.json", "events.json"])] * 2
