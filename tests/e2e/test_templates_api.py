"""Templates over HTTP: the catalogue, versions, admin authoring, previews, contracts made
from a template with their rendered documents, and attachments uploaded to S3."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from cms.domain.canonical import iso_utc
from cms.domain.templates.builtin import BUILTIN_IDS, builtin_templates
from tests.e2e.test_contracts_api import expect_error
from tests.template_variables import training_variables

pytestmark = pytest.mark.e2e


def from_template(consumer_did, **changes):
    return {"template_id": "ai_training", "consumer_did": consumer_did,
            "variables": training_variables(), **changes}


def custom_definition(**changes):
    definition = copy.deepcopy(builtin_templates()["data_sharing"].definition)
    definition.update({"name": "Custom sharing", **changes})
    return definition


def unique_id(prefix="custom"):
    return f"{prefix}_{time.time_ns()}"


@pytest.fixture
def parties(new_party):
    return new_party("eth"), new_party("ed25519")


# ---------------------------------------------------------------- through the gateway
# (The rules of the catalogue, authoring and previews are tested on the service in memory,
# tests/unit/services/test_templates.py; every answer in process, tests/unit/
# test_platform_routes.py.)


def test_templates_over_the_gateway(admin, new_party):
    user = new_party().client
    assert set(BUILTIN_IDS) <= {item["template_id"] for item in user.templates()}
    expect_error(lambda: user.template("no_such_template"), 404, "template_not_found")
    template_id = unique_id()
    first = admin.client.create_template({"id": template_id, **custom_definition()})
    assert (first["id"], first["version"]) == (template_id, 1)
    # Sending back what GET returned changes nothing (200, the same version).
    assert admin.client.revise_template(template_id,
                                        user.template(template_id))["version"] == 1
    revised = admin.client.revise_template(template_id, custom_definition(name="Revised"),
                                           base_version=1)
    assert revised["version"] == 2
    assert [v["version"] for v in user.template_versions(template_id)] == [1, 2]
    assert user.template(template_id, version=1)["name"] == "Custom sharing"
    expect_error(lambda: user.create_template({"id": unique_id(), **custom_definition()}),
                 403, "forbidden")
    problem = expect_error(lambda: admin.client.create_template(
        {"id": unique_id(), **custom_definition(body="{{ ''.__class__ }}")}), 422,
        "template_invalid")
    assert "/body" in [error["pointer"] for error in problem["errors"]]
    preview = user.render_template("ai_training", training_variables())
    assert preview["template"] == builtin_templates()["ai_training"].reference()


# ---------------------------------------------------------------- contracts from templates


def test_a_contract_made_from_a_template_pins_it_and_signs_its_document(parties):
    provider, consumer = parties
    variables = training_variables()
    contract = provider.client.create_contract(from_template(consumer.did))
    template = builtin_templates()["ai_training"]
    assert contract["title"] == template.name
    assert contract["terms"] == template.terms_for(variables)
    assert (contract["valid_from"], contract["valid_until"]) == template.validity_for(variables)
    pinned = contract["metadata"]["template"]
    assert pinned == {**template.reference(), "variables": variables}
    for fmt in ("markdown", "html", "pdf"):
        data = consumer.client.document(contract["id"], fmt)  # checks the SHA-256 itself
        assert contract["metadata"]["document"][fmt]["size"] == len(data)
    # The pinned variables as the server read them: one number type, so 3.0 is 3.
    rendered = template.render(pinned["variables"])
    assert consumer.client.document(contract["id"], "markdown").decode() == \
        rendered + ("" if rendered.endswith("\n") else "\n")
    assert consumer.client.document(contract["id"], "pdf").startswith(b"%PDF-")
    submitted = provider.client.transition(contract["id"], "submit")
    provider.client.sign_contract(contract["id"], provider.signer)
    signed = consumer.client.sign_contract(contract["id"], consumer.signer)
    assert signed["status"] == "signed" and signed["digest"] == submitted["digest"]
    assert provider.client.verify(contract["id"])["valid"]
    s3 = boto3.client("s3")
    bucket = s3.list_buckets()["Buckets"]
    documents = next(b["Name"] for b in bucket if b["Name"].startswith("cms-documents"))
    pdf = contract["metadata"]["document"]["pdf"]["sha256"]
    key = f"contracts/{contract['id']}/document/{pdf}.pdf"
    deadline = time.monotonic() + 20  # the lifecycle workflow locks them after signing
    while "ObjectLockMode" not in s3.head_object(Bucket=documents, Key=key) \
            and time.monotonic() < deadline:
        time.sleep(0.2)
    head = s3.head_object(Bucket=documents, Key=key)
    # GOVERNANCE, until the end plus the retention (cms.domain.contracts.retention: why).
    assert head["ObjectLockMode"] == "GOVERNANCE"
    assert head["ObjectLockRetainUntilDate"] == datetime.fromisoformat(
        signed["valid_until"]) + timedelta(days=3650)
    with pytest.raises(Exception, match="AccessDenied"):
        s3.delete_object(Bucket=documents, Key=key, VersionId=head["VersionId"])


def test_template_contract_requests_are_either_terms_or_template(parties):
    provider, consumer = parties
    before = len(provider.client.list_contracts()["items"])
    problem = expect_error(lambda: provider.client.create_contract(
        from_template(consumer.did, terms={"x": 1})), 400, "validation_error")
    assert [e["pointer"] for e in problem["errors"]] == ["/terms"]
    expect_error(lambda: provider.client.create_contract(
        {"consumer_did": consumer.did, "title": "t"}), 400, "validation_error")
    expect_error(lambda: provider.client.create_contract(
        from_template(consumer.did, template_id="no_such_template")), 404,
        "template_not_found")
    problem = expect_error(lambda: provider.client.create_contract(
        from_template(consumer.did, variables=training_variables(jurisdiction="Mars",
                                                                 max_epochs=0))),
        400, "validation_error")
    assert {"/variables/jurisdiction", "/variables/max_epochs"} <= {
        e["pointer"] for e in problem["errors"]}
    expect_error(lambda: provider.client.create_contract(
        from_template(consumer.did, metadata={"template": {"id": "forged"}})), 400,
        "validation_error")
    assert len(provider.client.list_contracts()["items"]) == before


def test_editing_variables_rederives_terms_and_document(parties):
    provider, consumer = parties
    contract = provider.client.create_contract(from_template(consumer.did))
    variables = training_variables(max_epochs=5)
    edited = provider.client.update_contract(contract["id"], {"variables": variables})
    assert edited["terms"]["max_epochs"] == 5
    assert edited["metadata"]["template"]["variables"] == variables
    assert edited["metadata"]["document"] != contract["metadata"]["document"]
    assert b"5" in consumer.client.document(contract["id"], "markdown")
    expect_error(lambda: provider.client.update_contract(contract["id"], {"terms": {"a": 1}}),
                 400, "validation_error")
    expect_error(lambda: provider.client.update_contract(
        contract["id"], {"metadata": {"document": {}}}), 400, "validation_error")
    kept = provider.client.update_contract(contract["id"], {"metadata": {"ref": "PO-7"}})
    assert kept["metadata"]["ref"] == "PO-7"
    assert kept["metadata"]["template"] == edited["metadata"]["template"]
    expect_error(lambda: consumer.client.update_contract(contract["id"],
                                                         {"variables": variables}),
                 403, "forbidden")


def test_a_contract_keeps_its_version_when_the_template_changes(admin, parties):
    provider, consumer = parties
    template_id = unique_id()
    admin.client.create_template({"id": template_id, **custom_definition()})
    variables = custom_definition()["example"]
    made = provider.client.create_contract({"template_id": template_id,
                                            "consumer_did": consumer.did,
                                            "variables": variables})
    admin.client.revise_template(template_id, custom_definition(name="Second edition"))
    again = provider.client.get_contract(made["id"])
    assert again["metadata"]["template"]["version"] == 1
    assert again["metadata"]["document"] == made["metadata"]["document"]
    newer = provider.client.create_contract({"template_id": template_id,
                                             "consumer_did": consumer.did,
                                             "variables": variables})
    assert newer["metadata"]["template"]["version"] == 2
    pinned = provider.client.create_contract({"template_id": template_id,
                                              "template_version": 1,
                                              "consumer_did": consumer.did,
                                              "variables": variables})
    assert pinned["metadata"]["template"]["content_hash"] == \
        made["metadata"]["template"]["content_hash"]


def test_contracts_without_a_template_have_no_document(parties):
    provider, consumer = parties
    now = datetime.now(UTC)
    contract = provider.client.create_contract({
        "title": "Plain", "consumer_did": consumer.did, "terms": {"a": 1},
        "valid_from": now.isoformat(), "valid_until": (now + timedelta(days=1)).isoformat()})
    expect_error(lambda: provider.client.document(contract["id"]), 404, "document_not_found")


# ---------------------------------------------------------------- attachments


def wait_for_attachment(client, contract_id, attachment_id, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        contract = client.get_contract(contract_id)
        found = [a for a in contract["metadata"].get("attachments", [])
                 if a["id"] == attachment_id]
        if found:
            return contract, found[0]
        time.sleep(0.2)
    raise AssertionError(f"attachment {attachment_id} was not registered")


def test_an_uploaded_attachment_is_hashed_registered_and_signed(parties):
    provider, consumer = parties
    contract = provider.client.create_contract(from_template(consumer.did))
    content = b"Data protection impact assessment\n" * 100
    attachment_id = consumer.client.attach(contract["id"], "dpia.txt", "text/plain", content)
    _, record = wait_for_attachment(provider.client, contract["id"], attachment_id)
    assert record["sha256"] == hashlib.sha256(content).hexdigest()
    assert (record["size"], record["name"], record["uploaded_by"]) == (
        len(content), "dpia.txt", consumer.did)
    assert provider.client.attachment(contract["id"], attachment_id) == content
    types = [event["type"] for event in provider.client.events(contract["id"])]
    assert types == ["contract.created", "contract.attachment_added"]
    submitted = provider.client.transition(contract["id"], "submit")
    assert submitted["metadata"]["attachments"] == [record]
    expect_error(lambda: consumer.client.attach(contract["id"], "late.txt", "text/plain",
                                                b"too late"), 409, "illegal_transition")
    assert provider.client.verify(contract["id"])["valid"]


def test_uploads_outside_the_limits_are_refused(parties, stack):
    provider, consumer = parties
    contract = provider.client.create_contract(from_template(consumer.did))
    expect_error(lambda: provider.client.attach(contract["id"], "x.exe",
                                                "application/x-msdownload", b"MZ"),
                 400, "validation_error")
    expect_error(lambda: provider.client.attach(contract["id"], "../../etc/passwd",
                                                "text/plain", b"x"), 400, "validation_error")
    expect_error(lambda: provider.client._call(
        "POST", f"/api/v1/contracts/{contract['id']}/attachments",
        {"name": "big.pdf", "media_type": "application/pdf", "size": 10**12}),
        400, "validation_error")


def test_an_upload_that_breaks_its_grant_is_deleted_not_registered(parties, stack):
    """moto does not enforce a presigned POST's policy; the trigger checks again."""
    import httpx

    provider, consumer = parties
    contract = provider.client.create_contract(from_template(consumer.did))
    grant = provider.client._call("POST", f"/api/v1/contracts/{contract['id']}/attachments",
                                  {"name": "a.txt", "media_type": "text/plain", "size": 5})
    form = grant["upload"]
    # S3 itself would refuse it: the policy admits exactly the declared length.
    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    assert ["content-length-range", 5, 5] in policy["conditions"]
    response = httpx.post(form["url"], data=form["fields"],
                          files={"file": ("a.txt", b"much more than five bytes")})
    assert response.status_code < 300
    key = f"contracts/{contract['id']}/attachments/{grant['attachment_id']}"
    bucket = form["url"].rstrip("/").rsplit("/", 1)[1]
    s3 = boto3.client("s3")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        listed = s3.list_object_versions(Bucket=bucket, Prefix=key)
        if not listed.get("Versions"):
            break
        time.sleep(0.2)
    assert not s3.list_object_versions(Bucket=bucket, Prefix=key).get("Versions")
    assert "attachments" not in provider.client.get_contract(contract["id"])["metadata"]


def test_a_form_is_void_once_the_session_that_asked_for_it_is_logged_out(parties, new_party):
    """A presigned POST outlives its token at S3: the upload is refused when it arrives if
    the session that asked for the form has ended since (deleted, not registered)."""
    import httpx

    provider = parties[0]
    consumer = new_party()
    contract = provider.client.create_contract(from_template(consumer.did))
    grant = consumer.client._call("POST", f"/api/v1/contracts/{contract['id']}/attachments",
                                  {"name": "a.txt", "media_type": "text/plain", "size": 5})
    consumer.client.logout()
    form = grant["upload"]
    response = httpx.post(form["url"], data=form["fields"], files={"file": ("a.txt", b"stale")})
    assert response.status_code < 300
    key = f"contracts/{contract['id']}/attachments/{grant['attachment_id']}"
    bucket = form["url"].rstrip("/").rsplit("/", 1)[1]
    s3 = boto3.client("s3")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and s3.list_object_versions(
            Bucket=bucket, Prefix=key).get("Versions"):
        time.sleep(0.2)
    assert not s3.list_object_versions(Bucket=bucket, Prefix=key).get("Versions")
    assert "attachments" not in provider.client.get_contract(contract["id"])["metadata"]


def test_outsiders_cannot_upload_or_read(parties, new_party):
    provider, consumer = parties
    outsider = new_party()
    contract = provider.client.create_contract(from_template(consumer.did))
    expect_error(lambda: outsider.client.attach(contract["id"], "a.txt", "text/plain", b"x"),
                 404, "not_found")
    expect_error(lambda: outsider.client.document(contract["id"]), 404, "not_found")


def test_a_repeated_upload_event_after_submission_keeps_the_registered_file(parties, stack):
    """EventBridge delivers at least once: a late duplicate must not delete a file that the
    contract (and so its digest) already names."""
    provider, consumer = parties
    contract = provider.client.create_contract(from_template(consumer.did))
    content = b"annex\n"
    attachment_id = consumer.client.attach(contract["id"], "annex.txt", "text/plain", content)
    _, record = wait_for_attachment(provider.client, contract["id"], attachment_id)
    provider.client.transition(contract["id"], "submit")
    key = f"contracts/{contract['id']}/attachments/{attachment_id}"
    again = stack.invoke("triggers", {
        "source": "aws.s3", "detail-type": "Object Created",
        "detail": {"object": {"key": key, "version-id": record["object_version"]}}})
    assert again["registered"] and again["reason"] == "already registered"
    assert provider.client.attachment(contract["id"], attachment_id) == content


def test_the_served_document_is_the_recorded_version_whatever_is_written_later(parties):
    provider, consumer = parties
    contract = provider.client.create_contract(from_template(consumer.did))
    entry = contract["metadata"]["document"]["pdf"]
    assert entry["version"]
    original = consumer.client.document(contract["id"], "pdf")
    s3 = boto3.client("s3")
    bucket = next(b["Name"] for b in s3.list_buckets()["Buckets"]
                  if b["Name"].startswith("cms-documents"))
    s3.put_object(Bucket=bucket, Key=f"contracts/{contract['id']}/document/"
                                     f"{entry['sha256']}.pdf", Body=b"%PDF-1.4 forged")
    assert consumer.client.document(contract["id"], "pdf") == original


# ---------------------------------------------------------------- a render's limits


def doubled_name(times):
    """A body that doubles the first dataset's name ``times`` times (the review's attack)."""
    return ("{% set a = datasets[0].name %}" + "{% set a = a ~ a %}{% set a = a + a %}" *
            (times // 2) + "{% set a = a ~ a %}" * (times % 2) + "{{ a|length }}")


def test_a_render_that_would_blow_up_is_refused_everywhere_it_runs(admin, parties):
    provider, consumer = parties
    # Twenty steps of ~ or + made 21 million characters: the version is refused outright.
    problem = expect_error(lambda: admin.client.create_template(
        {"id": unique_id(), **custom_definition(body=doubled_name(20))}), 422,
        "template_invalid")
    assert [error["pointer"] for error in problem["errors"]] == ["/body"]
    # Thirteen steps render its example; a longer name (variables any user sends) does not.
    template_id = unique_id()
    admin.client.create_template({"id": template_id, **custom_definition(
        body=doubled_name(13))})
    variables = copy.deepcopy(custom_definition()["example"])
    assert provider.client.render_template(template_id, variables)["markdown"].strip()
    variables["datasets"][0]["name"] = "n" * 200
    problem = expect_error(lambda: provider.client.render_template(template_id, variables),
                           422, "render_limit_exceeded")
    assert problem["limit"] == "value_size"
    expect_error(lambda: provider.client.create_contract({
        "template_id": template_id, "consumer_did": consumer.did, "variables": variables}),
        422, "render_limit_exceeded")
    assert provider.client.list_contracts()["items"] == []  # nothing was written


def test_template_bodies_that_recurse_or_nest_without_bound_are_refused(admin):
    for body in ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",  # recursion
                 "{{ 9 ** 9 ** 9 }}",  # big integers
                 "{{ " + "not " * 300 + "x }}",  # was a 500 (the parser's recursion)
                 "{{ " + "1" * 5000 + " }}"):  # was a 500 (int() of 5,000 digits)
        problem = expect_error(lambda body=body: admin.client.create_template(
            {"id": unique_id(), **custom_definition(body=body)}), 422, "template_invalid")
        assert [error["pointer"] for error in problem["errors"]] == ["/body"]


def test_a_variables_pattern_is_matched_in_linear_time(admin, new_party):
    definition = custom_definition()
    name = definition["variables_schema"]["properties"]["datasets"]["items"]["properties"][
        "name"]
    name["pattern"] = "^(a+)+$"  # exponential on Python's backtracking matcher
    definition["example"]["datasets"][0]["name"] = "aaaa"
    template_id = unique_id()
    admin.client.create_template({"id": template_id, **definition})
    variables = copy.deepcopy(definition["example"])
    variables["datasets"][0]["name"] = "a" * 40 + "!"  # 2^40 steps to refuse, backtracking
    problem = expect_error(lambda: new_party().client.render_template(template_id, variables),
                           400, "validation_error")
    assert [e["pointer"] for e in problem["errors"]] == ["/variables/datasets/0/name"]
    problem = expect_error(lambda: admin.client.create_template({"id": unique_id(), **{
        **definition, "variables_schema": {"type": "object", "properties": {
            "x": {"type": "string", "pattern": "(a)\\1"}}}}}), 422, "template_invalid")
    assert problem["errors"][0]["pointer"] == "/variables_schema/properties/x/pattern"


def test_contracts_are_listed_by_template_counterparty_date_and_title(parties, new_party):
    provider, consumer = parties
    stranger = new_party("ed25519")
    since = datetime.now(UTC).isoformat()
    from_training = provider.client.create_contract(from_template(
        consumer.did, title="Model training licence"))
    other = provider.client.create_contract(from_template(stranger.did, title="Other"))

    def ids(**filters):
        return [c["id"] for c in provider.client.iter_contracts(limit=1, **filters)]

    assert ids(template_id="ai_training", counterparty=consumer.did) == [from_training["id"]]
    assert ids(q="TRAINING LIC") == [from_training["id"]]
    assert ids(created_after=since) == [other["id"], from_training["id"]]
    assert ids(created_before=since) == []
    assert ids(template_id="data_sharing") == []
    # The consumer sees the same contract with the provider as counterparty.
    assert [c["id"] for c in consumer.client.iter_contracts(counterparty=provider.did)] == [
        from_training["id"]]
    problem = expect_error(lambda: provider.client.list_contracts(created_after="yesterday"),
                           400, "validation_error")
    assert problem["errors"][0]["pointer"] == "query:created_after"


def test_an_empty_created_window_is_a_named_error_and_a_cursor_past_it_an_empty_page(parties):
    """DynamoDB refuses a key condition BETWEEN bounds out of order: such a listing was a 503."""
    provider, _ = parties
    since = datetime.now(UTC)
    earlier = (since - timedelta(days=1)).isoformat()
    problem = expect_error(lambda: provider.client.list_contracts(
        created_after=since.isoformat(), created_before=earlier), 400, "validation_error")
    assert [e["pointer"] for e in problem["errors"]] == [
        "query:created_after", "query:created_before"]
    below = f"{iso_utc(since - timedelta(days=2))}_{uuid.uuid4()}"
    for query in ({}, {"status": "review"}, {"q": "licence"}):
        page = provider.client.list_contracts(created_after=since.isoformat(), cursor=below,
                                              **query)
        assert (page["items"], page.get("next_cursor")) == ([], None)
