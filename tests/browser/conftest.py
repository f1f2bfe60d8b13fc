"""Browser fixtures: Debian's Chromium driven by Playwright against the local stack, which
serves the built UI on the API's origin. Each test gets fresh browser contexts (one per
person), an optional injected wallet, axe-core accessibility checks and screenshots kept as
artifacts under build/browser-artifacts/."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.wallet import TestWallet

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO / "web" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "build" / "browser-artifacts"
SERIOUS = ("serious", "critical")


# Per module, not per session: Playwright's sync API keeps an asyncio loop running in this
# thread while it is open, and the other test files a worker runs after these (the seed
# client's asyncio.run, for one) need that thread free of a running loop.
@pytest.fixture(scope="module")
def browser(stack) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "Chromium missing: make test installs it (apt-get install chromium)"
    assert (REPO / "web" / "dist" / "index.html").exists(), "UI not built: make test builds it"
    with sync_playwright() as playwright:
        # --no-sandbox: the suite runs as root, where Chromium's sandbox cannot start.
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=["--no-sandbox"])
        yield chromium
        chromium.close()


class Person:
    """One person at one browser: a context of their own, a page, and what the page logged."""

    def __init__(self, context: Any, base_url: str) -> None:
        self.context = context
        self.page = context.new_page()
        self.base_url = base_url
        self.console_errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def open(self, path: str = "/") -> Any:
        self.page.goto(self.base_url + path)
        return self.page

    def sign_in_as(self, party: Any, path: str = "/") -> Any:
        """Start signed in as an API party (the sign-in screen has tests of its own): the
        tab's session holds the party's token, as the sign-in screen leaves it."""
        session = {"did": party.did, "token": party.client.token,
                   "expiresAt": token_expiry(party.client.token),
                   "keyKind": "ed25519" if party.did.startswith("did:key:") else "ethereum"}
        # A page of the app, not /config.json: Chromium asks a bare JSON page for /favicon.ico,
        # which the site rightly answers 404 (no such file), a console error of no screen's.
        self.page.goto(self.base_url + "/starting-signed-in")
        self.page.evaluate("s => sessionStorage.setItem('cms.session', JSON.stringify(s))",
                           session)
        return self.open(path)


def token_expiry(token: str) -> str:
    from datetime import UTC, datetime

    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return datetime.fromtimestamp(claims["exp"], UTC).isoformat().replace("+00:00", "Z")


@pytest.fixture
def person(browser, stack, request) -> Iterator[Callable[..., Person]]:
    """Factory: a person at a fresh browser context; ``wallet=TestWallet()`` gives them one.
    ``phone=True`` gives a phone-sized screen."""
    contexts: list[Any] = []

    def make(*, wallet: TestWallet | None = None, phone: bool = False,
             color_scheme: str = "light") -> Person:
        viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
        context = browser.new_context(viewport=viewport, color_scheme=color_scheme,
                                      accept_downloads=True)
        context.set_default_timeout(15_000)
        if wallet is not None:
            wallet.install(context)
        contexts.append(context)
        return Person(context, stack.url)

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot(request) -> Callable[[Any, str], Path]:
    """Save a screenshot of a page as a test artifact; returns its path."""
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)

    def take(page: Any, name: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def accessibility_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the driver, not as a script tag the page's CSP would block.
        page.evaluate(AXE.read_text() + "\n;undefined")
    # A dialog fading in is half transparent: its colours, blended, fail the contrast check
    # though the settled page passes. Judge the page once its transitions have finished.
    # Only finite ones: a spinner's animation never finishes.
    page.evaluate("() => Promise.all(document.getAnimations()"
                  ".filter((a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity)"
                  ".map((a) => a.finished.catch(() => undefined)))")
    results = page.evaluate("() => window.axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [node["target"] for node in v["nodes"]][:5]}
            for v in results["violations"] if v["impact"] in SERIOUS]


@pytest.fixture
def assert_accessible() -> Callable[[Any], None]:
    def check(page: Any) -> None:
        violations = accessibility_violations(page)
        assert not violations, json.dumps(violations, indent=2)

    return check
