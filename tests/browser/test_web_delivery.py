"""How the UI is delivered, through the running local gateway: the API reference renders the
served document under the strict CSP, linked from the app; a stale chunk is a 404, not HTML;
nothing outside the build is reachable; cached files revalidate by ETag; /config.json tells
the UI where the API and the chain are, and nothing else."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import httpx
import pytest

DIST = Path(__file__).resolve().parents[2] / "web" / "dist"
# Code only some screens need, each behind a lazy import: the wallet (wagmi), the PDF viewer,
# schema forms, charts, the API reference's viewer.
NOT_IN_FIRST_LOAD = ("wagmi", "@wagmi/", "pdfjs-dist", "@rjsf/", "ajv", "recharts",
                     "swagger-ui-dist")


# Recorded from the first script on (through the driver, so the page's CSP does not apply).
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def _operations(page) -> int:
    page.locator(".opblock").first.wait_for()
    return page.locator(".opblock").count()


def test_the_api_reference_renders_every_operation_under_the_csp(
        person, stack, assert_accessible, screenshot) -> None:
    reader = person()
    reader.context.add_init_script(RECORD_CSP_VIOLATIONS)
    response = reader.page.goto(stack.url + "/api-docs")
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    document = httpx.get(stack.url + "/api/v1/openapi.json").json()
    operations = sum(1 for item in document["paths"].values() for method in item
                     if method in {"get", "put", "post", "delete", "patch"})
    assert _operations(reader.page) == operations
    # Open one operation: its parameters and responses render too.
    reader.page.get_by_role("button", name="POST /api/v1/contracts", exact=False).first.click()
    reader.page.locator(".responses-wrapper").first.wait_for()
    assert_accessible(reader.page)
    screenshot(reader.page, "api-reference")
    # Nothing the viewer does needs what the CSP forbids (an inline script, eval, a CDN).
    assert reader.page.evaluate("() => window.__cspViolations") == []
    assert reader.console_errors == []
    # The recorder does see a violation: an inline script is refused and reported.
    reader.page.evaluate("""() => { const s = document.createElement("script");
                                    s.textContent = "1"; document.body.append(s); }""")
    reader.page.wait_for_function("() => window.__cspViolations.length > 0")


def test_the_api_reference_is_linked_from_the_app_and_fits_a_phone(
        person, stack, screenshot) -> None:
    visitor = person(phone=True)
    page = visitor.open("/no/such/screen")
    page.get_by_role("button", name="Open navigation").click()
    page.get_by_role("link", name="API reference").click()
    page.wait_for_url(stack.url + "/api-docs")
    assert _operations(page) > 0
    screenshot(page, "api-reference-phone")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert visitor.console_errors == []


def _background(page) -> str:
    return page.evaluate("() => getComputedStyle(document.body).backgroundColor")


@pytest.mark.parametrize(("system", "chosen", "shown"), [
    ("dark", None, "dark"), ("light", "dark", "dark"), ("dark", "light", "light")])
def test_the_api_reference_follows_the_apps_theme(
        person, stack, assert_accessible, screenshot, system: str, chosen: str | None,
        shown: str) -> None:
    """The theme chosen in the app (else the system's), though the page is not the app's."""
    reader = person(color_scheme=system)
    if chosen:
        reader.open("/no/such/screen")
        reader.page.get_by_role("button", name=f"Switch to the {chosen} theme").click()
    reader.page.goto(stack.url + "/api-docs")
    assert _operations(reader.page) > 0
    dark = reader.page.evaluate("() => document.documentElement.classList.contains('dark-mode')")
    assert dark == (shown == "dark")
    assert (_background(reader.page) == "rgb(28, 32, 34)") == (shown == "dark")
    reader.page.get_by_role("button", name="GET /api/v1/ledger/status", exact=False).first.click()
    reader.page.locator(".responses-wrapper").first.wait_for()
    assert_accessible(reader.page)
    screenshot(reader.page, f"api-reference-{shown}")
    assert reader.console_errors == []


def test_a_missing_chunk_is_a_404_and_a_real_one_is_immutable_and_revalidates(stack) -> None:
    chunk = next((DIST / "assets").glob("*.js")).name
    missing = httpx.get(f"{stack.url}/assets/app-0ld8u1ld.js")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/plain")
    assert "<html" not in missing.text.lower()
    first = httpx.get(f"{stack.url}/assets/{chunk}")
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/javascript")
    assert "immutable" in first.headers["cache-control"]
    again = httpx.get(f"{stack.url}/assets/{chunk}",
                      headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    page = httpx.get(stack.url + "/contracts/anything")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-cache"
    assert httpx.get(stack.url + "/contracts/anything", headers={
        "If-None-Match": page.headers["etag"]}).status_code == 304


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_the_site_is_read_only(stack, method: str) -> None:
    response = httpx.request(method, stack.url + "/")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


def _raw_get(stack, target: str) -> tuple[int, bytes]:
    """GET a request target exactly as written (an HTTP client would normalize the dots)."""
    request = f"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", stack.api_port), timeout=10) as conn:
        conn.sendall(request.encode())
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


@pytest.mark.parametrize("target", [
    "/../../pyproject.toml",
    "/%2e%2e/%2e%2e/pyproject.toml",
    "/assets/%2E%2E/%2E%2E/%2E%2E/pyproject.toml",
    "/..%5c..%5cpyproject.toml",
    "/index.html%00.js",
    "/../security-headers.json",
])
def test_nothing_outside_the_build_is_served(stack, target: str) -> None:
    status, body = _raw_get(stack, target)
    assert status == 404
    assert b"[project]" not in body and b"Content-Security-Policy" not in body


def test_the_runtime_configuration_names_the_api_and_the_chain_only(stack) -> None:
    config = httpx.get(stack.url + "/config.json")
    assert config.status_code == 200
    assert config.json() == {"apiUrl": "", "chainRpcUrl": stack.ledger.rpc_url}
    # The browser may read the chain there: the CSP's connect-src admits loopback.
    assert "http://127.0.0.1:*" in config.headers["content-security-policy"]


def test_the_first_load_carries_no_wallet_pdf_form_chart_or_reference_code() -> None:
    """What every page loads first (index.html's entry and its preloaded imports) is kept
    small: each library above stays in the lazy chunks of the screens that use it."""
    index = (DIST / "index.html").read_text()
    scripts = re.findall(r'(?:src|href)="/assets/([^"]+\.js)"', index)
    assert scripts, index
    sources = [source for script in scripts
               for source in json.loads((DIST / "assets" / f"{script}.map").read_text())["sources"]]
    assert any("react-dom" in source for source in sources)  # the maps do name packages
    heavy = sorted({source for source in sources
                    if any(f"node_modules/{name}" in source for name in NOT_IN_FIRST_LOAD)})
    assert heavy == [], heavy[:20]
