"""The client's logout and revocation: the routes they call, and that the client forgets a
token the server will refuse (the end-to-end behaviour is in tests/e2e/test_sessions_api.py)."""

from __future__ import annotations

import httpx

from cms_client import CmsClient

BASE = "https://cms.example.com"
ME = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def client(seen: list[tuple[str, str, str | None]]) -> CmsClient:
    def serve(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.raw_path.decode(),
                     request.headers.get("authorization")))
        if request.url.path == "/api/v1/identities/me":
            return httpx.Response(200, json={"did": ME})
        return httpx.Response(204)

    return CmsClient(BASE, token="t", http=httpx.Client(transport=httpx.MockTransport(serve)))


def test_logout_revokes_the_clients_token_and_forgets_it():
    seen: list = []
    cms = client(seen)
    cms.logout()
    assert seen == [("POST", "/api/v1/auth/logout", "Bearer t")]
    assert cms.token is None


def test_revoking_its_own_sessions_forgets_the_token():
    seen: list = []
    cms = client(seen)
    assert cms.revoke_sessions() == ME
    assert seen[-1] == ("DELETE", f"/api/v1/identities/{ME}/sessions", "Bearer t")
    assert cms.token is None


def test_an_admin_revokes_anothers_sessions_and_keeps_its_token():
    seen: list = []
    cms = client(seen)
    other = "did:web:example.com%3A8443:users:ada"
    assert cms.revoke_sessions(other) == other
    # The DID's own percent-escape travels escaped, so the gateway hands it back unchanged.
    assert seen[-1][:2] == ("DELETE",
                            "/api/v1/identities/did:web:example.com%253A8443:users:ada/sessions")
    assert cms.token == "t"
