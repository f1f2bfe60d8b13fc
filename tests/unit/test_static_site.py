"""How the local gateway serves the built UI (local_stack/static_site.py), on a build laid out
in a temporary folder: the app's routes get index.html, files that are missing are 404s, and
nothing outside the build is reachable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local_stack.static_site import IMMUTABLE, REVALIDATE, StaticSite

INDEX = b"<!doctype html><title>app</title>"
CHUNK = b"export const x = 1;"
HEADERS = {"Content-Security-Policy": "default-src 'self'", "X-Content-Type-Options": "nosniff"}


@pytest.fixture
def site(tmp_path: Path) -> StaticSite:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_bytes(INDEX)
    (dist / "assets" / "index-abc123.js").write_bytes(CHUNK)
    (dist / "assets" / "index-0TdBqjRs.js").write_bytes(CHUNK)
    (dist / "favicon.svg").write_text("<svg/>")
    (dist / "api-docs").mkdir()
    (dist / "api-docs" / "index.html").write_text("<title>API reference</title>")
    (tmp_path / "secret.txt").write_text("outside the build")
    (dist / "escape.txt").symlink_to(tmp_path / "secret.txt")
    (dist / "escape-dir").symlink_to(tmp_path)
    return StaticSite(dist.resolve(), {"apiUrl": "", "chainRpcUrl": "http://127.0.0.1:8545"},
                      HEADERS)


def get(site: StaticSite, path: str, method: str = "GET", **headers: str
        ) -> tuple[int, dict[str, str], bytes]:
    return site.answer(method, path, headers)


@pytest.mark.parametrize("path", [
    "/", "/contracts/123", "/sign-in", "/contracts/",
    "/identities/did:web:example.com",  # a DID's dots are no extension
    "/identities/did%3Aweb%3Aexample.com",
    "/contracts/1.0.0-draft",  # no extension of letters and digits alone after the last dot
])
def test_app_routes_get_the_single_page_app(site: StaticSite, path: str) -> None:
    status, headers, body = get(site, path)
    assert (status, body) == (200, INDEX)
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == REVALIDATE
    assert headers["Content-Security-Policy"] == "default-src 'self'"



SPA_PATHS = json.loads((Path(__file__).resolve().parent.parent / "vectors" /
                        "spa_paths.json").read_text())


@pytest.mark.parametrize("path", SPA_PATHS["app"])
def test_the_shared_app_paths_get_the_app(site: StaticSite, path: str) -> None:
    """The cases CloudFront's function is tested on too (tests/infra/test_infra_web.py)."""
    assert get(site, path)[::2] == (200, INDEX)


@pytest.mark.parametrize("path", SPA_PATHS["files"])
def test_the_shared_file_paths_are_the_file_or_a_404_never_the_app(site: StaticSite,
                                                                   path: str) -> None:
    file = site.root / path.lstrip("/")
    status, _, body = get(site, path)
    if file.is_file():
        assert (status, body) == (200, file.read_bytes())
    else:
        assert status == 404 and body != INDEX


@pytest.mark.parametrize("path, page", SPA_PATHS["pages"].items())
def test_the_shared_pages_are_their_folders_index(site: StaticSite, path: str,
                                                   page: str) -> None:
    assert get(site, path)[::2] == (200, (site.root / page.lstrip("/")).read_bytes())

def test_hashed_assets_are_immutable_with_their_type(site: StaticSite) -> None:
    status, headers, body = get(site, "/assets/index-abc123.js")
    assert (status, body) == (200, CHUNK)
    assert headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert headers["Cache-Control"] == IMMUTABLE
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", [
    "/assets/index-old999.js",  # a chunk of an older build: an error, not HTML as JavaScript
    "/assets/no-extension",
    "/assets/",
    "/assets",
    "/robots.txt",
    "/deep/path/logo.png",
])
def test_a_missing_file_is_a_404_never_the_app(site: StaticSite, path: str) -> None:
    status, headers, body = get(site, path)
    assert status == 404
    assert headers["Content-Type"].startswith("text/plain")
    assert body != INDEX


def test_a_folder_is_its_own_page_never_a_listing(site: StaticSite) -> None:
    for path in ("/api-docs", "/api-docs/"):
        status, _, body = get(site, path)
        assert (status, body) == (200, b"<title>API reference</title>")
    status, _, body = get(site, "/assets/")
    assert status == 404 and b"index-abc123" not in body


@pytest.mark.parametrize("path", [
    "/../secret.txt",
    "/assets/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E%2Fsecret.txt",
    "/assets/%2e%2e/%2e%2e/secret.txt",
    "/..%5csecret.txt",
    "/assets\\..\\..\\secret.txt",
    "/index.html%00.js",
    "/favicon.svg\x00",
    "/escape.txt",  # a symlink in the build that points out of it
    "/escape-dir/secret.txt",
])
def test_nothing_outside_the_build_is_reachable(site: StaticSite, path: str) -> None:
    status, _, body = get(site, path)
    assert status == 404
    assert b"outside the build" not in body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"])
def test_only_get_and_head_are_allowed(site: StaticSite, method: str) -> None:
    status, headers, body = get(site, "/", method)
    assert status == 405
    assert headers["Allow"] == "GET, HEAD"
    assert body != INDEX


def test_head_answers_like_get(site: StaticSite) -> None:
    # The gateway drops a HEAD answer's body itself and keeps its Content-Length.
    assert get(site, "/favicon.svg", "HEAD") == get(site, "/favicon.svg")


def test_the_runtime_configuration_is_public_and_has_only_its_two_keys(site: StaticSite
                                                                      ) -> None:
    status, headers, body = get(site, "/config.json")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == REVALIDATE
    assert json.loads(body) == {"apiUrl": "", "chainRpcUrl": "http://127.0.0.1:8545"}
    with pytest.raises(ValueError, match="public"):
        StaticSite(site.root, {"apiUrl": "", "signerKey": "0xabc"}, HEADERS)


@pytest.mark.parametrize("path", ["/", "/assets/index-abc123.js", "/config.json", "/api-docs"])
def test_a_cached_copy_is_revalidated_by_its_entity_tag(site: StaticSite, path: str) -> None:
    status, headers, body = get(site, path)
    tag = headers["ETag"]
    assert status == 200 and tag.startswith('"') and body
    assert get(site, path)[1]["ETag"] == tag  # stable: the tag is the content's
    for sent in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        status, headers, body = get(site, path, **{"if-none-match": sent})
        assert (status, body) == (304, b"")
        assert headers["ETag"] == tag
    assert get(site, path, **{"If-None-Match": '"other"'})[0] == 200


def test_a_changed_file_gets_a_new_tag(site: StaticSite) -> None:
    before = get(site, "/favicon.svg")[1]["ETag"]
    (site.root / "favicon.svg").write_text("<svg><circle/></svg>")
    status, headers, _ = get(site, "/favicon.svg", **{"If-None-Match": before})
    assert status == 200 and headers["ETag"] != before


def test_an_unbuilt_ui_is_not_served(tmp_path: Path) -> None:
    (tmp_path / "security-headers.json").write_text(json.dumps(HEADERS))
    assert StaticSite.built({"apiUrl": ""}, tmp_path) is None
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "index.html").write_bytes(INDEX)
    built = StaticSite.built({"apiUrl": ""}, tmp_path)
    assert built is not None and built.headers == HEADERS


def test_api_paths_stay_the_apis(site: StaticSite) -> None:
    for path in ("/api/v1/nothing", "/health", "/.well-known/jwks.json"):
        assert not site.serves(path)
    assert site.serves("/") and site.serves("/contracts/1")
