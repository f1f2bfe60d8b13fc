"""Identity and administration in Chromium on the local stack: an admin finds a user and
suspends them, and the user's open session (another browser, already signed in) is refused
on its next request and lands on sign-in with a plain message; reactivated, they sign in
again. A non-admin sees no Identities entry and reads the API's 403 in words; an auditor reads
every contract and is offered no action; "Sign out everywhere" ends another tab's session.

The API refuses an ended session within the authorizer's cache TTL (BOUND_S): the tests wait
that out (a wait before acting, not a timing assertion), as tests/e2e/test_sessions_api.py.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cms.config import Settings
from cms_client import ApiError, CmsClient
from tests.browser.test_contract_page import actions_offered, no_horizontal_scroll
from tests.conftest import Party

pytestmark = pytest.mark.e2e

BOUND_S = Settings().authorizer_cache_ttl_s


def after_the_bound() -> None:
    time.sleep(BOUND_S + 0.5)


def lands_on_sign_in_told_why(page: Any) -> None:
    page.wait_for_url(re.compile(r"/sign-in\?next="))
    page.get_by_role("heading", name="Sign in", level=1).wait_for()
    page.get_by_text("Your session has ended").wait_for()


def settled(page: Any) -> Any:
    """The page once its transitions ended (a dialog fading in is checked by axe as shown)."""
    page.wait_for_function("() => document.getAnimations().length === 0")
    return page


def submitted_plain_contract(provider: Any, consumer: Any) -> dict[str, Any]:
    """A contract in review without a template (no document to render: quick on a busy
    machine), which its parties could sign."""
    now = datetime.now(UTC)
    contract = provider.client.create_contract({
        "title": f"Audited {uuid.uuid4().hex[:8]}", "consumer_did": consumer.did,
        "terms": {"purpose": "testing", "price": {"amount": 100, "currency": "EUR"}},
        "valid_from": (now - timedelta(minutes=1)).isoformat(),
        "valid_until": (now + timedelta(days=30)).isoformat()})
    provider.client.transition(contract["id"], "submit")
    return contract


def nav_link(page: Any, name: str) -> Any:
    return page.get_by_role("navigation").get_by_role("link", name=name, exact=True)


def test_an_admin_suspends_a_user_whose_open_session_is_then_refused(
        person, new_party, admin, assert_accessible, screenshot) -> None:
    user = new_party("ed25519")
    user_tab = person().sign_in_as(user, "/account")
    user_tab.get_by_role("heading", name="Account and keys").wait_for()

    boss = person().sign_in_as(admin, "/")
    nav_link(boss, "Identities").click()
    boss.get_by_role("heading", name="Identities", level=1).wait_for()
    boss.get_by_label("DID or name").fill(user.did)
    boss.get_by_role("button", name="Search").click()
    rows = boss.get_by_role("table", name="Identities").get_by_role("row")
    rows.filter(has_text="Active").first.wait_for()
    assert rows.count() == 2  # the header and the one identity with that DID
    assert_accessible(boss)
    screenshot(boss, "admin-identities-found")
    rows.nth(1).get_by_role("link").click()

    boss.get_by_role("heading", level=1).wait_for()
    boss.get_by_role("list").get_by_text(user.did, exact=True).wait_for()
    events = boss.get_by_role("table", name="Audit events of this identity")
    events.get_by_text("identity.registered").wait_for()
    assert_accessible(boss)
    boss.get_by_role("button", name="Suspend…").click()
    dialog = boss.get_by_role("dialog", name="Suspend…")
    dialog.get_by_text("refused from its next request").wait_for()
    dialog.get_by_text("training jobs are stopped").wait_for()
    assert_accessible(settled(boss))
    screenshot(boss, "admin-suspend-confirmation")
    dialog.get_by_role("button", name="Suspend", exact=True).click()
    boss.get_by_role("status").get_by_text("Suspended").wait_for()
    events.get_by_text("identity.updated").wait_for()
    screenshot(boss, "admin-identity-suspended")

    # The user's open tab: its next request is refused; it lands on sign-in, told why.
    after_the_bound()
    user_tab.get_by_role("button", name="Refresh").click()
    lands_on_sign_in_told_why(user_tab)
    assert_accessible(user_tab)
    screenshot(user_tab, "admin-suspended-user-signed-out")
    with pytest.raises(ApiError) as refused:
        user.client.sign_in(user.signer)
    assert refused.value.status == 403

    # Reactivated, they sign in again (the ended session stays ended).
    boss.get_by_role("button", name="Reactivate…").click()
    boss.get_by_role("dialog", name="Reactivate…").get_by_role("button", name="Reactivate").click()
    boss.get_by_role("status").get_by_text("Active").wait_for()
    user.client.sign_in(user.signer)
    again = person().sign_in_as(user, "/account")
    again.get_by_role("heading", name="Account and keys").wait_for()
    again.get_by_text(user.did).first.wait_for()


def test_an_admin_cannot_suspend_or_demote_themselves(person, admin, assert_accessible,
                                                       screenshot) -> None:
    from urllib.parse import quote

    page = person().sign_in_as(admin, f"/admin/identities/{quote(admin.did, safe='')}")
    page.get_by_text("You cannot suspend your own identity").wait_for()
    assert page.get_by_role("button", name="Suspend…").is_disabled()
    admin_role = page.get_by_role("checkbox", name=re.compile("^Administrator"))
    assert admin_role.is_checked() and admin_role.is_disabled()
    page.get_by_text("You cannot remove your own admin role").wait_for()
    assert_accessible(page)
    screenshot(page, "admin-own-identity")


def test_a_non_admin_sees_no_identities_entry_and_is_refused_in_words(
        person, new_party, assert_accessible, screenshot) -> None:
    someone = new_party("eth")
    visitor = person()
    page = visitor.sign_in_as(someone, "/")
    nav_link(page, "Account and keys").wait_for()
    assert nav_link(page, "Identities").count() == 0
    page.goto(visitor.base_url + "/admin/identities")
    page.get_by_role("alert").get_by_text("Your role does not allow this.").wait_for()
    assert_accessible(page)
    screenshot(page, "admin-identities-refused")


def test_an_auditor_reads_every_contract_and_is_offered_no_action(
        person, new_party, admin, assert_accessible, screenshot) -> None:
    provider, consumer, auditor = new_party("eth"), new_party("ed25519"), new_party("ed25519")
    admin.client.administer_identity(auditor.did, roles=["auditor"])
    contract = submitted_plain_contract(provider, consumer)
    after_the_bound()  # a cached "allow" for the auditor's token carries its old roles

    page = person().sign_in_as(auditor, "/contracts")
    scope = page.get_by_role("radiogroup", name="Whose contracts")
    scope.get_by_text("All", exact=True).click()
    page.wait_for_url(re.compile(r"scope=all"))
    link = page.get_by_role("link", name=contract["title"]).first
    link.wait_for()
    assert_accessible(page)
    screenshot(page, "auditor-all-contracts")
    link.click()
    page.get_by_role("heading", name=contract["title"], level=1).wait_for()
    page.get_by_text("You are not a party to this contract").wait_for()
    assert actions_offered(page) == set()
    page.get_by_text("No action is open to you in this state.").wait_for()
    assert_accessible(page)
    screenshot(page, "auditor-contract-read-only")
    assert scope  # (the control exists only for auditors and admins: checked below)
    plain = person().sign_in_as(provider, "/contracts")
    plain.get_by_role("heading", name="Contracts", level=1).wait_for()
    assert plain.get_by_role("radiogroup", name="Whose contracts").count() == 0


def test_sign_out_everywhere_ends_another_tabs_session(
        person, new_party, stack, assert_accessible, screenshot) -> None:
    user = new_party("ed25519")
    second_client = CmsClient(stack.url)
    second_client.sign_in(user.signer)
    elsewhere = person().sign_in_as(Party(user.signer, second_client), "/contracts")
    elsewhere.get_by_role("heading", name="Contracts", level=1).wait_for()

    here = person(phone=True)
    page = here.sign_in_as(user, "/account")
    document = page.get_by_label("DID document")
    document.get_by_text(f'"id": "{user.did}"').wait_for()
    page.get_by_text("Issued at").wait_for()
    assert no_horizontal_scroll(page)
    assert_accessible(page)
    screenshot(page, "account-identity-phone")
    page.get_by_role("button", name="Sign out everywhere").click()
    dialog = page.get_by_role("dialog", name="Sign out everywhere")
    dialog.get_by_text("this tab is signed out too").wait_for()
    assert_accessible(settled(page))
    dialog.get_by_role("button", name="Sign out everywhere").click()
    page.wait_for_url(re.compile(r"/sign-in"))
    page.get_by_role("heading", name="Sign in", level=1).wait_for()

    after_the_bound()
    elsewhere.reload()
    lands_on_sign_in_told_why(elsewhere)
    screenshot(elsewhere, "account-signed-out-elsewhere")
    second_client.close()
