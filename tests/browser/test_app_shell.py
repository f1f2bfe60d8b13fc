"""The app shell in Chromium: served on the API's origin under its security headers, usable
at phone width, in both themes, without accessibility violations or console errors."""

from __future__ import annotations

import pytest


def test_the_ui_is_served_with_its_security_headers(person, stack) -> None:
    visitor = person()
    response = visitor.page.goto(stack.url + "/no/such/screen")
    assert response is not None and response.status == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    visitor.page.get_by_role("heading", name="Page not found").wait_for()
    assert visitor.console_errors == []


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_the_shell_is_accessible_in_both_themes_and_at_phone_width(
        person, assert_accessible, screenshot, color_scheme: str, phone: bool) -> None:
    visitor = person(phone=phone, color_scheme=color_scheme)
    page = visitor.open("/no/such/screen")
    page.get_by_role("heading", name="Page not found").wait_for()
    assert_accessible(page)
    screenshot(page, f"not-found-{color_scheme}-{'phone' if phone else 'desktop'}")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_the_theme_switch_works_from_the_keyboard(person) -> None:
    visitor = person()
    page = visitor.open("/no/such/screen")
    page.get_by_role("heading", name="Page not found").wait_for()
    toggle = page.get_by_role("button", name="Switch to the dark theme")
    toggle.focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Switch to the light theme").wait_for()
    assert page.evaluate(
        "() => document.documentElement.getAttribute('data-mantine-color-scheme')") == "dark"
