"""Templates on the in-memory stores: the catalogue, versions, admin authoring, previews.

The HTTP surface is tested in tests/unit/test_platform_routes.py (in process) and, through
the gateway, in tests/e2e/test_templates_api.py; the stores' guarantees in tests/contract.
"""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor

import pytest

from cms.bootstrap import MemoryServices
from cms.config import Settings
from cms.domain.errors import (
    Conflict,
    Forbidden,
    RenderLimitExceeded,
    TemplateExists,
    TemplateInvalid,
    TemplateNotFound,
    ValidationFailed,
)
from cms.domain.identity import Caller, Role
from cms.domain.templates.builtin import BUILTIN_IDS, builtin_templates
from tests.template_variables import training_variables

ADMIN = Caller("did:key:z6MkAdmin", frozenset({Role.ADMIN.value}))
USER = Caller("did:key:z6MkUser")


@pytest.fixture
def templates():
    return MemoryServices().templates


def custom_definition(**changes):
    definition = copy.deepcopy(builtin_templates()["data_sharing"].definition)
    definition.update({"name": "Custom sharing", **changes})
    return definition


def pointers(raised) -> set[str]:
    return {error["pointer"] for error in raised.value.extra["errors"]}


# ---------------------------------------------------------------- catalogue and versions


def test_the_catalogue_holds_the_four_built_ins_as_version_1(templates):
    listed = {info.template_id: info for info in templates.catalogue()}
    assert set(listed) == set(BUILTIN_IDS)
    for template_id, template in builtin_templates().items():
        assert listed[template_id].content_hash == template.content_hash
        fetched = templates.get(template_id, 1)
        assert fetched.template == template and fetched.created_by == "system:builtin"
        assert [v.version for v in templates.versions(template_id)] == [1]


def test_a_built_in_read_first_by_many_at_once_is_seeded_once(templates):
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda _: templates.get("ai_training"), range(16)))
    assert {stored.template.version for stored in got} == {1}
    assert len(templates.versions("ai_training")) == 1


def test_unknown_templates_and_versions_are_not_found(templates):
    with pytest.raises(TemplateNotFound):
        templates.get("no_such_template")
    with pytest.raises(TemplateNotFound):
        templates.get("ai_training", 999)
    with pytest.raises(TemplateNotFound):
        templates.versions("no_such_template")


# ---------------------------------------------------------------- authoring


def test_admins_author_versions_and_old_ones_stay_retrievable(templates):
    first = templates.create(ADMIN, "custom", custom_definition())
    assert (first.template.id, first.template.version, first.created_by) == (
        "custom", 1, ADMIN.did)
    revised, created = templates.revise(ADMIN, "custom", custom_definition(name="Revised"))
    assert created and revised.template.version == 2
    assert revised.template.content_hash != first.template.content_hash
    # The same content again changes nothing: no version 3.
    again, created = templates.revise(ADMIN, "custom", custom_definition(name="Revised"))
    assert not created and again == revised
    assert templates.get("custom", 1).template.name == "Custom sharing"
    assert [v.version for v in templates.versions("custom")] == [1, 2]
    assert {info.template_id: info.version for info in templates.catalogue()}["custom"] == 2


def test_a_revision_based_on_a_stale_version_conflicts(templates):
    templates.create(ADMIN, "custom", custom_definition())
    templates.revise(ADMIN, "custom", custom_definition(name="Second"), base_version=1)
    with pytest.raises(Conflict) as raised:
        templates.revise(ADMIN, "custom", custom_definition(name="Stale"), base_version=1)
    assert raised.value.extra["latest_version"] == 2


def test_ids_are_taken_once_built_ins_included(templates):
    templates.create(ADMIN, "custom", custom_definition())
    for taken in ("custom", "ai_training"):
        with pytest.raises(TemplateExists):
            templates.create(ADMIN, taken, custom_definition())


def test_only_admins_author(templates):
    templates.create(ADMIN, "custom", custom_definition())
    with pytest.raises(Forbidden):
        templates.create(USER, "mine", custom_definition())
    with pytest.raises(Forbidden):
        templates.revise(USER, "custom", custom_definition(name="x"))
    assert [v.version for v in templates.versions("custom")] == [1]


def test_concurrent_revisions_all_land_in_order(templates):
    templates.create(ADMIN, "custom", custom_definition())
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda n: templates.revise(
            ADMIN, "custom", custom_definition(name=f"Edition {n}")), range(4)))
    assert sorted(stored.template.version for stored, _ in results) == [2, 3, 4, 5]
    assert [v.version for v in templates.versions("custom")] == [1, 2, 3, 4, 5]


def test_a_template_stops_at_its_last_version(templates, monkeypatch):
    monkeypatch.setattr("cms.services.templates.MAX_VERSION", 2)
    templates.create(ADMIN, "custom", custom_definition())
    templates.revise(ADMIN, "custom", custom_definition(name="Second"))
    with pytest.raises(Conflict, match="last version"):
        templates.revise(ADMIN, "custom", custom_definition(name="Third"))
    # Sending the latest back is still fine: nothing would be written.
    assert templates.revise(ADMIN, "custom", custom_definition(name="Second"))[1] is False


@pytest.mark.parametrize("body", [
    "{{ ''.__class__.__mro__ }}",
    "{% for i in range(10**9) %}x{% endfor %}",
    "{{ cycler.__init__.__globals__ }}",
])
def test_bodies_that_escape_the_sandbox_are_refused_and_nothing_is_stored(templates, body):
    with pytest.raises(TemplateInvalid) as raised:
        templates.create(ADMIN, "evil", custom_definition(body=body))
    assert "/body" in pointers(raised)
    with pytest.raises(TemplateNotFound):
        templates.get("evil")


def test_an_invalid_schema_and_a_failing_example_list_every_problem(templates):
    bad_schema = custom_definition(variables_schema={
        "type": "object", "properties": {"a": {"type": "nope"}}})
    with pytest.raises(TemplateInvalid) as raised:
        templates.create(ADMIN, "custom", bad_schema)
    assert any(p.startswith("/variables_schema") for p in pointers(raised))
    broken = custom_definition(example={})
    with pytest.raises(TemplateInvalid) as raised:
        templates.create(ADMIN, "custom", broken)
    errors = raised.value.extra["errors"]
    assert len(errors) > 1 and all(e["pointer"].startswith("/example") for e in errors)


def test_rules_hold_exactly_their_members(templates):
    extra = custom_definition(rules=[{"rule": "before", "first": "/start_date",
                                      "then": "/end_date", "because": "x"}])
    with pytest.raises(TemplateInvalid) as raised:
        templates.create(ADMIN, "custom", extra)
    assert "/rules/0/because" in pointers(raised)
    both = custom_definition(rules=[{"rule": "below_reciprocal", "path": "/retention_days",
                                     "of": "/retention_days",
                                     "of_sum": ["/datasets", "size"]}])
    with pytest.raises(TemplateInvalid) as raised:
        templates.create(ADMIN, "custom", both)
    assert "/rules/0" in pointers(raised)


# ---------------------------------------------------------------- previews


def test_a_preview_gives_terms_validity_and_the_document(templates):
    variables = training_variables()
    preview = templates.preview("ai_training", None, variables)
    template = builtin_templates()["ai_training"]
    assert preview.terms == template.terms_for(variables)
    assert (preview.valid_from, preview.valid_until) == template.validity_for(variables)
    assert (preview.template.id, preview.template.version, preview.template.content_hash) == (
        template.id, 1, template.content_hash)
    assert preview.markdown == template.render(variables)
    assert "<html" in preview.html and "<script" not in preview.html


def test_a_preview_of_a_pinned_version(templates):
    templates.create(ADMIN, "custom", custom_definition())
    templates.revise(ADMIN, "custom", custom_definition(name="Second"))
    example = custom_definition()["example"]
    assert templates.preview("custom", 1, example).template.version == 1
    assert templates.preview("custom", None, example).template.version == 2


def test_bad_variables_are_reported_field_by_field(templates):
    variables = training_variables(jurisdiction="Atlantis", max_epochs=-1)
    del variables["purpose"]
    with pytest.raises(ValidationFailed) as raised:
        templates.preview("ai_training", None, variables)
    assert {"/variables/jurisdiction", "/variables/max_epochs"} <= pointers(raised)
    assert pointers(raised) & {"/variables", "/variables/purpose"}
    with pytest.raises(ValidationFailed) as raised:
        templates.preview("ai_training", None, training_variables(end_date="2000-01-01"))
    assert "/variables/end_date" in pointers(raised)


def test_a_date_beyond_the_calendar_is_a_validation_error(templates):
    with pytest.raises(ValidationFailed) as raised:
        templates.preview("ai_training", None, training_variables(end_date="9999-12-31"))
    assert "/variables/end_date" in pointers(raised)


# ---------------------------------------------------------------- a render's limits

CUBED = ("{% for d in datasets %}{% for e in datasets %}{% for f in datasets %}"
         "{{ d.name ~ e.name ~ f.name }}{% endfor %}{% endfor %}{% endfor %}")


def test_variables_that_blow_a_template_up_are_refused_at_its_limits(templates):
    templates.create(ADMIN, "cubed", custom_definition(body=CUBED))  # its example is small
    example = custom_definition()["example"]
    many = [{**example["datasets"][0], "id": f"d{i}", "name": "n" * 200} for i in range(50)]
    with pytest.raises(RenderLimitExceeded) as raised:
        templates.preview("cubed", None, {**example, "datasets": many})
    assert raised.value.limit in {"operations", "output_size"}


def test_the_limits_come_from_the_settings():
    services = MemoryServices(Settings(template_max_operations=100))
    with pytest.raises(RenderLimitExceeded) as raised:
        services.templates.preview("ai_training", None, training_variables())
    assert raised.value.limit == "operations"
    with pytest.raises(TemplateInvalid):  # its example needs more than 100 steps too
        services.templates.create(ADMIN, "custom", custom_definition())


def test_a_document_the_converter_refuses_is_a_render_limit(templates):
    example = custom_definition()["example"]
    quoted = [{**example["datasets"][0], "name": "x\n" + ">" * 60}]
    with pytest.raises(RenderLimitExceeded) as raised:
        templates.preview("data_sharing", None, {**example, "datasets": quoted})
    assert raised.value.limit == "document"
