"""Templates in Chromium against the local stack: the catalogue, a version's variables and
rules in words, the diff between two versions, the preview with the example; an admin
publishes a new version in the editor (which refuses an invalid schema before sending), a user
then makes a contract from that version through the New contract form; a non-admin is not
offered publishing and, opening the editor's address, gets a notice instead of the editor."""

from __future__ import annotations

import json
import re
import time

import pytest

from cms.api.schemas.templates import TEMPLATE_EXAMPLE
from cms_client import ApiError
from tests.e2e.test_templates_api import custom_definition

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
SCHEMA_FIELD = re.compile("^Variables schema")
EXAMPLE_FIELD = re.compile("^Example variables")


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def a_template(admin, definition: dict | None = None) -> str:
    template_id = f"browser_{time.time_ns()}"
    admin.client.create_template({**(definition or custom_definition()), "id": template_id})
    return template_id


def pick(page, label: str, option: str | re.Pattern) -> None:
    page.get_by_role("textbox", name=label, exact=True).or_(
        page.get_by_role("combobox", name=label, exact=True)).click()
    page.get_by_role("option", name=option).click()


def test_browse_read_a_version_compare_and_preview(person, admin, new_party, assert_accessible,
                                                     screenshot) -> None:
    template_id = a_template(admin)
    admin.client.revise_template(template_id, custom_definition(
        name="Custom sharing, revised", body="# Revised\n\nFrom {{ start_date }}.\n"))
    user = new_party("ed25519")
    visitor = person()
    page = visitor.sign_in_as(user, "/templates")
    page.get_by_role("heading", name="Templates", level=1).wait_for()
    # Not an admin: nothing to publish.
    assert page.get_by_role("link", name="New template").count() == 0
    page.get_by_role("textbox", name="Search").fill(template_id)
    page.get_by_role("status").get_by_text(re.compile(r"^1 of \d+ templates$")).wait_for()
    assert_accessible(page)
    screenshot(page, "catalogue-searched")
    page.get_by_role("link", name="Custom sharing, revised").click()
    page.wait_for_url(re.compile(rf"/templates/{template_id}$"))

    # The variables and rules in words; the JSON behind a switch.
    page.get_by_role("heading", name="Custom sharing, revised", level=1).wait_for()
    assert page.get_by_role("link", name="Publish a new version").count() == 0
    versions = page.get_by_role("navigation", name="Versions")
    versions.get_by_role("link", name=re.compile(r"^Version 2 \(shown\)")).wait_for()
    page.get_by_text("Jurisdiction", exact=True).first.wait_for()
    page.get_by_text("one of: EU, UK, US-CA, US-NY, CH, SG, JP").wait_for()
    page.get_by_text("governing law").wait_for()
    page.get_by_text("Start date comes before End date. If not: “must be after the start "
                     "date”.").wait_for()
    page.get_by_text("No two items of Datasets have the same id.").wait_for()
    assert_accessible(page)
    screenshot(page, "version-in-words")
    page.get_by_role("switch", name="Show the JSON").check()
    assert '"enum"' in page.get_by_label("Variables schema as JSON").inner_text()

    # The diff: from version 1 to 2, added and removed lines marked in words, not colour alone.
    page.get_by_role("tab", name="Compare versions").click()
    page.get_by_role("status").get_by_text(
        "From version 1 to 2, changed: Name, category and description, Document body.").wait_for()
    body = page.get_by_label("Document body: differences")
    assert body.locator("ins").filter(has_text="# Revised").count() == 1
    assert body.locator("del").filter(has_text="# Data sharing agreement").count() == 1
    assert "Added: # Revised" in body.locator("ins").first.text_content()
    assert_accessible(page)
    screenshot(page, "diff")
    # Comparing a version with itself says so.
    pick(page, "From version", "Version 2")
    page.get_by_text("Versions 2 and 2 have the same content.").wait_for()

    # The preview: the example rendered by the API, in a frame without scripts.
    page.get_by_role("tab", name="Preview").click()
    frame = page.locator("iframe[title^='Preview of Custom sharing, revised']")
    assert frame.get_attribute("sandbox") == ""
    page.frame_locator("iframe[title^='Preview of']").get_by_text("From 2027-01-01.").wait_for()
    page.get_by_text(re.compile("^A contract made now with these variables would run")).wait_for()
    assert_accessible(page)
    screenshot(page, "preview")

    # An older version by its link.
    versions.get_by_role("link", name=re.compile(r"^Version 1")).click()
    page.get_by_role("heading", name="Custom sharing", level=1).wait_for()
    assert visitor.console_errors == []


def test_an_admin_publishes_a_version_a_user_makes_a_contract_from_it(
        person, admin, new_party, assert_accessible, screenshot) -> None:
    # A mutual NDA (the API's own example): dates and a jurisdiction.
    template_id = a_template(admin, TEMPLATE_EXAMPLE)
    desk = person()
    page = desk.sign_in_as(admin, f"/templates/{template_id}")
    page.get_by_role("link", name="Publish a new version").click()
    page.wait_for_url(re.compile(rf"/templates/{template_id}/publish$"))
    page.get_by_role("heading", name="New version of Mutual NDA").wait_for()
    assert page.get_by_text("Only administrators publish templates").count() == 0

    schema_field = page.get_by_role("textbox", name=SCHEMA_FIELD)
    schema = json.loads(schema_field.input_value())
    # A mistake the meta-schema catches: the editor says so beside the field, nothing is sent.
    broken = json.loads(json.dumps(schema))
    broken["properties"]["jurisdiction"]["type"] = "strnig"
    schema_field.fill(json.dumps(broken, indent=2))
    page.get_by_role("textbox", name=re.compile("^Name")).fill("Mutual NDA, second edition")
    page.get_by_role("button", name="Publish the new version").click()
    error = page.get_by_text(re.compile(
        r"^Not a valid JSON Schema \(2020-12\): at /properties/jurisdiction/type"))
    error.wait_for()
    page.get_by_text("1 field needs attention before publishing.").wait_for()
    # The message is the field's description for assistive technology, and it has the focus.
    assert schema_field.get_attribute("aria-invalid") == "true"
    assert page.evaluate("() => document.activeElement.id") == "template-variablesSchema"
    assert_accessible(page)
    screenshot(page, "editor-schema-error")
    assert len(admin.client.template_versions(template_id)) == 1

    # Fixed, now with a list of jurisdictions, of which the example uses one.
    schema["properties"]["jurisdiction"]["enum"] = ["EU", "IE"]
    schema_field.fill(json.dumps(schema, indent=2))
    error.wait_for(state="detached")
    example_field = page.get_by_role("textbox", name=EXAMPLE_FIELD)
    example = json.loads(example_field.input_value())
    example_field.fill(json.dumps({**example, "jurisdiction": "FR"}, indent=2))
    page.get_by_text(re.compile(r"^The example does not fit the schema and rules: at "
                                r"/jurisdiction")).wait_for()
    example_field.fill(json.dumps({**example, "jurisdiction": "IE"}, indent=2))
    page.get_by_role("button", name="Publish the new version").click()
    page.wait_for_url(re.compile(rf"/templates/{template_id}\?version=2$"))
    page.get_by_text("Version 2 of Mutual NDA, second edition is published.").wait_for()
    page.get_by_text("one of: EU, IE").wait_for()
    published = admin.client.template(template_id)
    assert published["version"] == 2
    assert published["variables_schema"]["properties"]["jurisdiction"]["enum"] == ["EU", "IE"]
    screenshot(page, "published")
    assert desk.console_errors == []

    # A user makes a contract from version 2 through the New contract form.
    provider, consumer = new_party("ed25519"), new_party("ed25519")
    maker = person()
    form = maker.sign_in_as(provider, "/contracts/new")
    form.get_by_role("heading", name="New contract").wait_for()
    pick(form, "Template", re.compile("^Mutual NDA, second edition"))
    pick(form, "Version", "Version 2")
    form.frame_locator("iframe[title='Preview of the contract document']").get_by_text(
        "Under the law of IE", exact=False).first.wait_for()
    screenshot(form, "new-contract-from-version-2")
    form.get_by_role("textbox", name=re.compile("^Counterparty DID")).fill(consumer.did)
    form.get_by_role("textbox", name=re.compile("^Title")).fill("Secrets under Irish law")
    form.get_by_role("button", name="Create draft").click()
    form.wait_for_url(re.compile(rf"/contracts/{UUID}$"))
    made = provider.client.get_contract(form.url.rsplit("/", 1)[1])
    assert made["metadata"]["template"]["id"] == template_id
    assert made["metadata"]["template"]["version"] == 2
    assert made["metadata"]["template"]["variables"]["jurisdiction"] == "IE"
    assert maker.console_errors == []


def test_a_non_admin_gets_a_notice_and_no_editor(person, admin, new_party, assert_accessible,
                                                 screenshot) -> None:
    template_id = a_template(admin)
    user = new_party("ed25519")
    page = person().sign_in_as(user, f"/templates/{template_id}/publish")
    page.get_by_text("Only administrators publish templates").wait_for()
    # Nothing to fill in for nothing: no field, no Publish button.
    assert page.get_by_role("textbox").count() == 0
    assert page.get_by_role("button", name=re.compile("^Publish")).count() == 0
    assert_accessible(page)
    screenshot(page, "non-admin-publish-notice")
    page.get_by_role("link", name="See this template and its versions").click()
    page.wait_for_url(re.compile(rf"/templates/{template_id}$"))
    # The screen only spares the effort: the API decides, and refuses.
    with pytest.raises(ApiError) as refused:
        user.client.revise_template(template_id, custom_definition(name="Not mine to publish"))
    assert refused.value.status == 403
    assert admin.client.template(template_id)["version"] == 1


def test_the_template_screens_fit_a_phone_in_both_themes(person, admin, new_party,
                                                         assert_accessible, screenshot) -> None:
    template_id = a_template(admin)
    admin.client.revise_template(template_id, custom_definition(name="Second edition"))
    user = new_party("ed25519")
    for scheme in ("light", "dark"):
        page = person(phone=True, color_scheme=scheme).sign_in_as(user, f"/templates/{template_id}")
        page.get_by_role("heading", name="Second edition", level=1).wait_for()
        page.get_by_role("tab", name="Compare versions").click()
        page.get_by_label("Name, category and description: differences").wait_for()
        assert no_horizontal_scroll(page)
        assert_accessible(page)
        screenshot(page, f"phone-diff-{scheme}")
    page = person(phone=True).sign_in_as(admin, f"/templates/{template_id}/publish")
    page.get_by_role("textbox", name=SCHEMA_FIELD).wait_for()
    assert no_horizontal_scroll(page)
    assert_accessible(page)
    screenshot(page, "phone-editor")
