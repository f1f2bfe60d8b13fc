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
    contract,
    delivery,
    home,
    identity,
    serve,
    webhook,
)

C1, C2 = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"

BUDGET = {"contract_id": C1, "epsilon_total": "2.000000000", "epsilon_spent": "0.500000000",
          "epsilon_reserved": "0.250000000", "epsilon_available": "1.250000000",
          "delta": 0.00001, "accountant": "rdp", "jobs": []}
CONTRACTS = [
    contract(C1, title="Training", terms={"privacy_budget": {"epsilon": 2}}),
    contract(C2, title="Sharing", terms={"purpose": "x"}),
]
W1 = "33333333-3333-4333-8333-333333333333"
D1, D2, D3 = (delivery(W1, 1, "dead"), delivery(W1, 2, "succeeded"), delivery(W1, 3, "dead"))
DELIVERY_PAGES = {
    None: {"items": [D1, D2], "next_cursor": D2["id"]},
    D2["id"]: {"items": [D3], "next_cursor": None},
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
            ("GET", "/api/v1/ledger/batches"): {"batches": []},
            ("GET", "/api/v1/contracts"): {"items": CONTRACTS, "next_cursor": None},
            ("GET", f"/api/v1/contracts/{C1}/privacy-budget"): BUDGET,
            ("GET", "/api/v1/webhooks"): {"items": [webhook(W1)]},
            ("GET", f"/api/v1/webhooks/{W1}/deliveries"): DELIVERY_PAGES[query.get("cursor")],
            **{("GET", f"/api/v1/contracts/{c}/events"): events(c, query.get("after"))
               for c in (C1, C2)},
        }
        if request.method == "POST" and path.endswith("/replay"):
            replayed = next(d for d in (D1, D2, D3) if d["id"] == path.split("/")[-2])
            return httpx.Response(202, json={**replayed, "status": "pending", "attempts": 0})
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
    assert code == 0 and [r["id"] for r in rows] == [D1["id"], D2["id"], D3["id"]]
    code, rows, err = cms(capsys, "admin", "deliveries", "--redeliver", "--dry-run")
    assert [r["id"] for r in rows] == [D1["id"], D3["id"]]
    assert not any(r["replayed"] for r in rows)
    assert api.replayed() == [] and "dry run" in err
    code, rows, _ = cms(capsys, "admin", "deliveries", "--redeliver")
    assert code == 0 and api.replayed() == [D1["id"], D3["id"]]
    assert [(r["id"], r["status"], r["replayed"]) for r in rows] == [
        (D1["id"], "pending", True), (D3["id"], "pending", True)]
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
