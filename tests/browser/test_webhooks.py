"""The webhooks screen in Chromium on the local stack: a party registers a webhook pointing at
a receiver on this machine (loopback HTTPS, which only the local stack allows), sees the
secret once, sees its contracts' events delivered in the log, a failing receiver's status
code, disables the webhook (no new delivery), enables it and redelivers, rotates the secret
(the next delivery verifies with the new secret only) and deletes it. The receiver checks
each delivery's HMAC with the secret read from the page."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.webhook_receiver import WAIT_SECONDS, Receiver, https_receiver, received

WAIT_MS = int(WAIT_SECONDS * 1000)


@pytest.fixture(scope="module")
def receiver(webhook_tls) -> Iterator[int]:
    with https_receiver(webhook_tls) as port:
        yield port


def new_contract(provider: Any, consumer: Any, title: str) -> str:
    now = datetime.now(UTC)
    contract = provider.client.create_contract({
        "title": title, "consumer_did": consumer.did, "terms": {"a": 1},
        "valid_from": now.isoformat(), "valid_until": (now + timedelta(days=1)).isoformat()})
    provider.client.transition(contract["id"], "submit")
    return contract["id"]


def fits_phone(page: Any) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_a_webhook_from_registration_to_deletion(person, new_party, receiver, assert_accessible,
                                                 screenshot):
    provider, consumer = new_party("eth"), new_party("ed25519")
    path = f"/browser-hooks/{time.time_ns()}"
    url = f"https://localhost:{receiver}{path}"
    someone = person()
    page = someone.sign_in_as(consumer, "/webhooks")
    expect(page.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
    expect(page.get_by_text("None yet.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "01-empty")

    # The URL is checked as it is typed, by the API's own rules.
    address = page.get_by_label("Receiver URL")
    address.press_sequentially("http://hooks.example.com/cms")  # key by key, as typed
    expect(address).to_have_value("http://hooks.example.com/cms")
    expect(page.get_by_text(re.compile("delivered over https only"))).to_be_visible()
    address.fill("https://user:pw@hooks.example.com/")
    expect(page.get_by_text(re.compile("user name or password"))).to_be_visible()
    assert_accessible(page)
    screenshot(page, "02-url-refused-as-typed")
    address.fill(url)
    expect(page.get_by_text(re.compile("user name or password"))).to_have_count(0)
    page.get_by_role("checkbox", name=re.compile("^Submitted for signing")).check()
    page.get_by_role("checkbox", name=re.compile("^Signed")).check()
    page.get_by_role("button", name="Register webhook").click()

    # The secret, once.
    expect(page.get_by_text("You will not see it again.")).to_be_visible()
    secret = page.get_by_role("textbox", name="Signing secret").input_value()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", secret)
    card = page.get_by_role("region", name=url, exact=True)
    expect(card.get_by_text("Active", exact=True)).to_be_visible()
    assert_accessible(page)
    screenshot(page, "03-registered-secret-shown-once")
    page.get_by_role("button", name="I have saved it").click()
    expect(page.get_by_role("textbox", name="Signing secret")).to_have_count(0)
    assert secret not in page.content()

    # A contract event is delivered, signed, and shown in the log as succeeded.
    contract_id = new_contract(provider, consumer, "Hooked in the browser")
    [first] = received(path, 1)
    assert first.payload["type"] == "contract.submitted" and first.signed_with(secret)
    card.get_by_role("button", name="Show deliveries").click()
    submitted_row = card.get_by_role("row").filter(has_text="Submitted for signing")
    expect(submitted_row.get_by_text("Succeeded")).to_be_visible(timeout=WAIT_MS)
    expect(submitted_row.get_by_role("cell", name="204", exact=True)).to_be_visible()
    assert_accessible(page)
    screenshot(page, "04-delivery-succeeded")

    # A failing receiver: the status code in the log; disabling gives the retry up.
    Receiver.failing.add(path)
    provider.client.sign_contract(contract_id, provider.signer)
    failed = received(path, 2)[1]
    assert failed.payload["type"] == "contract.signed" and failed.signed_with(secret)
    card.get_by_role("button", name="Disable", exact=True).click()
    expect(card.get_by_text("Disabled", exact=True)).to_be_visible()
    signed_row = card.get_by_role("row").filter(has_text="contract.signed")
    expect(signed_row.get_by_role("cell", name="500", exact=True)).to_be_visible(timeout=WAIT_MS)
    screenshot(page, "05-failed-with-status-code")
    expect(signed_row.get_by_text("Dead")).to_be_visible(timeout=WAIT_MS)
    expect(signed_row.get_by_role("button", name=re.compile("Redeliver"))).to_be_disabled()
    assert_accessible(page)
    screenshot(page, "06-disabled-delivery-dead")

    # Disabled: the next event makes no delivery (a second webhook proves the event went out).
    witness = f"{path}-witness"
    consumer.client.create_webhook(f"https://localhost:{receiver}{witness}", ["contract.signed"])
    consumer.client.sign_contract(contract_id, consumer.signer)
    received(witness, 1)
    assert len(received(path, 0)) <= 3  # the first, the failure, perhaps its one retry
    before = len(received(path, 0))
    card.get_by_role("button", name="Refresh").click()
    expect(card.get_by_role("row")).to_have_count(3)  # the header and two deliveries

    # Enabled again, the dead delivery is redelivered and succeeds.
    Receiver.failing.discard(path)
    card.get_by_role("button", name="Enable", exact=True).click()
    expect(card.get_by_text("Active", exact=True)).to_be_visible()
    signed_row.get_by_role("button", name=re.compile("Redeliver")).click()
    expect(card.get_by_text("is being delivered again")).to_be_visible()
    again = received(path, before + 1)[-1]
    assert again.headers["CMS-Delivery-Id"] == failed.headers["CMS-Delivery-Id"]
    expect(signed_row.get_by_text("Succeeded")).to_be_visible(timeout=WAIT_MS)
    assert_accessible(page)
    screenshot(page, "07-redelivered")

    # Rotation: confirmed first; the next delivery verifies with the new secret only.
    card.get_by_role("button", name="Rotate secret", exact=True).click()
    dialog = page.get_by_role("dialog", name="Rotate the signing secret?")
    expect(dialog).to_be_visible()
    assert_accessible(page)
    screenshot(page, "08-rotate-confirm")
    dialog.get_by_role("button", name="Rotate secret").click()
    expect(page.get_by_text("New signing secret: copy it now")).to_be_visible()
    rotated = page.get_by_role("textbox", name="Signing secret").input_value()
    assert rotated != secret
    new_contract(provider, consumer, "After the rotation")
    latest = received(path, before + 2)[-1]
    assert latest.payload["type"] == "contract.submitted"
    assert latest.signed_with(rotated) and not latest.signed_with(secret)

    # Deletion, confirmed first.
    card.get_by_role("button", name="Delete", exact=True).click()
    page.get_by_role("dialog", name="Delete this webhook?").get_by_role(
        "button", name="Delete webhook").click()
    expect(page.get_by_role("region", name=url, exact=True)).to_have_count(0)
    assert url not in [hook["url"] for hook in consumer.client.webhooks()]
    assert someone.console_errors == []


def test_the_webhooks_screen_at_phone_width_in_the_dark(person, new_party, receiver,
                                                        assert_accessible, screenshot):
    consumer = new_party("ed25519")
    consumer.client.create_webhook(f"https://localhost:{receiver}/phone/{time.time_ns()}")
    page = person(phone=True, color_scheme="dark").sign_in_as(consumer, "/webhooks")
    card = page.get_by_role("region", name=re.compile("phone"))
    card.get_by_role("button", name="Show deliveries").click()
    expect(card.get_by_text(re.compile("No deliveries yet"))).to_be_visible()
    assert fits_phone(page)
    assert_accessible(page)
    screenshot(page, "phone-dark")
    page.get_by_label("Receiver URL").fill("https://127.1/")
    expect(page.get_by_text(re.compile("neither a host name nor a dotted IPv4"))).to_be_visible()
    assert fits_phone(page)
