"""Admins list identities, and an identity reads its DID document, through the local gateway:
status codes, the cursor's pattern and the 403 for everyone else (the rules themselves are
unit-tested in tests/unit/services/test_identities.py and tests/contract)."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.test_auth_api import problem

pytestmark = pytest.mark.e2e


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_an_admin_finds_an_identity_by_did_prefix_and_pages_by_cursor(stack, admin, new_party):
    someone = new_party("ed25519")
    url = stack.url + "/api/v1/identities"
    found = httpx.get(url, params={"q": someone.did}, headers=bearer(admin.client.token))
    assert found.status_code == 200, found.text
    [item] = found.json()["items"]
    assert (item["did"], item["status"], item["roles"]) == (someone.did, "active", [])
    first = httpx.get(url, params={"limit": 1}, headers=bearer(admin.client.token)).json()
    assert len(first["items"]) <= 1 and first["next_cursor"].count(":") >= 3
    # A cursor of the documented form that no identity has is still a position (past every
    # DID this stack makes, whichever other tests ran before).
    later = httpx.get(url, params={"cursor": "suspended:did:web:zzzzzzzz"},
                      headers=bearer(admin.client.token))
    assert later.status_code == 200 and later.json()["items"] == []
    problem(httpx.get(url, params={"cursor": "gone:did:key:z"},
                      headers=bearer(admin.client.token)), 400, "validation_error")


def test_nobody_but_admins_lists_identities(stack, new_party):
    someone = new_party()
    problem(httpx.get(stack.url + "/api/v1/identities", headers=bearer(someone.client.token)),
            403, "forbidden")


def test_an_identity_reads_its_own_did_document_and_not_anothers(stack, new_party):
    someone, other = new_party("ed25519"), new_party()
    path = f"/api/v1/identities/{someone.did}/did-document"
    document = httpx.get(stack.url + path, headers=bearer(someone.client.token))
    assert document.status_code == 200, document.text
    body = document.json()
    assert body["id"] == someone.did and body["@context"][0].startswith("https://www.w3.org/")
    assert body["verificationMethod"][0]["publicKeyMultibase"]
    problem(httpx.get(stack.url + path, headers=bearer(other.client.token)), 404,
            "identity_not_found")
