"""``cms identity`` over a mock API: roles computed from the current ones, confirmation before
a suspension, and the API's refusal shown with its exit code."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.unit.cli.identity_support import (  # noqa: F401 (home: a fixture)
    cms,
    home,
    identity,
    serve,
)

DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


@pytest.fixture
def patches(home, monkeypatch) -> list[dict]:  # noqa: F811
    sent: list[dict] = []

    def answer(request: httpx.Request) -> httpx.Response:
        current = identity(DID, roles=["auditor"])
        if request.method == "PATCH":
            change = json.loads(request.content)
            sent.append(change)
            if change.get("status") == "suspended" and "admin" in json.dumps(sent[:-1]):
                return httpx.Response(403, json={"code": "forbidden", "status": 403,
                                                 "detail": "admins cannot suspend themselves"})
            return httpx.Response(200, json={**current, **change})
        return httpx.Response(200, json=current)

    serve(monkeypatch, answer)
    return sent


def test_roles_are_added_and_removed_from_the_current_ones(patches, capsys) -> None:
    code, shown, _ = cms(capsys, "identity", "roles", DID)
    assert (code, shown, patches) == (0, {"did": DID, "roles": ["auditor"]}, [])
    assert cms(capsys, "identity", "roles", DID, "--add", "admin")[1]["roles"] == [
        "auditor", "admin"]
    assert cms(capsys, "identity", "roles", DID, "--remove", "auditor", "--add", "enclave"
               )[1]["roles"] == ["enclave"]
    code, _, err = cms(capsys, "identity", "roles", DID, "--add", "admin", "--remove", "admin")
    assert code == 1 and "both added and removed" in err
    assert patches == [{"roles": ["auditor", "admin"]}, {"roles": ["enclave"]}]


def test_suspend_asks_first_and_shows_the_api_refusal(patches, capsys) -> None:
    code, _, err = cms(capsys, "identity", "suspend", DID)
    assert code == 1 and "--yes" in err and patches == []
    assert cms(capsys, "identity", "suspend", "--yes", DID)[1]["status"] == "suspended"
    assert cms(capsys, "identity", "reactivate", "-y", DID)[1]["status"] == "active"
    cms(capsys, "identity", "roles", DID, "--add", "admin")
    code, out, err = cms(capsys, "identity", "suspend", "--yes", DID)
    assert (code, out) == (5, None) and "admins cannot suspend themselves" in err
