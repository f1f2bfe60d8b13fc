"""Templates: the built-ins, variables checked by schema and cross-field rules (every bad field
named by pointer), the sandboxed body, and how a new version is vetted."""

from __future__ import annotations

import copy

import pytest

from cms.domain.errors import RenderLimitExceeded, TemplateInvalid, ValidationFailed
from cms.domain.templates.builtin import BUILTIN_IDS, builtin_templates
from cms.domain.templates.model import TemplateVersion
from cms.domain.templates.rendering import TemplateBodyError, check_body, render


@pytest.fixture
def ai():
    return builtin_templates()["ai_training"]


def example(template):
    return copy.deepcopy(template.definition["example"])


def pointers(raised) -> dict[str, str]:
    return {e["pointer"]: e["message"] for e in raised.value.extra["errors"]}


@pytest.mark.parametrize("template_id", BUILTIN_IDS)
def test_every_builtin_renders_its_example_into_terms_and_validity(template_id):
    template = builtin_templates()[template_id]
    variables = example(template)
    document = template.render(variables)
    assert document.startswith("# ") and "{{" not in document and "{%" not in document
    terms = template.terms_for(variables)
    assert terms["start_date"] == variables["start_date"]
    assert terms["jurisdiction"] == variables["jurisdiction"]
    valid_from, valid_until = template.validity_for(variables)
    assert valid_from == f"{variables['start_date']}T00:00:00.000Z" and valid_until > valid_from
    assert len(template.content_hash) == 64


def test_ai_training_terms_carry_everything_training_needs(ai):
    terms = ai.terms_for(example(ai))
    assert terms["privacy_budget"] == {"epsilon": 3.0, "delta": 1e-6, "accountant": "prv"}
    assert terms["model_architectures"] == ["mnist_cnn"] and terms["max_epochs"] == 20
    assert terms["enclave_measurements"][0]["pcr0"] == "ab" * 48
    assert terms["datasets"][0]["size"] == 60000
    assert terms["conditions"][0] == {"type": "payment", "amount": 12000, "currency": "EUR",
                                      "schedule": "quarterly",
                                      "installments": example(ai)["payment"]["installments"]}
    assert terms["sla"] == {"availability": 99.5, "response_time": 500}


def test_optional_variables_left_out_are_left_out_of_the_terms(ai):
    variables = example(ai)
    del variables["sla"], variables["payment"]["installments"]
    terms = ai.terms_for(variables)
    assert "sla" not in terms and "installments" not in terms["conditions"][0]
    assert "Service levels" not in ai.render(variables)


def test_every_bad_field_is_named_with_a_pointer(ai):
    variables = example(ai)
    variables["privacy_budget"]["epsilon"] = 50
    variables["datasets"][0]["format"] = "xlsx"
    variables["start_date"] = "01/01/2027"
    variables["extra"] = True
    del variables["purpose"]
    with pytest.raises(ValidationFailed) as raised:
        ai.check_variables(variables)
    found = pointers(raised)
    assert {"/variables/privacy_budget/epsilon", "/variables/datasets/0/format",
            "/variables/start_date", "/variables"} <= set(found)
    assert "is not a 'date'" in found["/variables/start_date"]


@pytest.mark.parametrize(("change", "pointer", "message"), [
    (lambda v: v.update(end_date="2026-12-31"), "/variables/end_date", "after the start"),
    (lambda v: v["privacy_budget"].update(delta=1e-4), "/variables/privacy_budget/delta",
     "below 1/"),
    (lambda v: v["payment"]["installments"][0].update(amount=5000), "/variables/payment/"
     "installments", "add up to"),
    (lambda v: v["payment"]["installments"][1].update(due="2028-02-01"),
     "/variables/payment/installments/1/due", "between"),
    (lambda v: v["datasets"].append(dict(v["datasets"][0])), "/variables/datasets/1/id",
     "unique"),
])
def test_cross_field_rules(ai, change, pointer, message):
    variables = example(ai)
    change(variables)
    with pytest.raises(ValidationFailed) as raised:
        ai.check_variables(variables)
    assert message in pointers(raised)[pointer]


def test_delta_is_checked_against_all_the_datasets_records(ai):
    variables = example(ai)
    variables["privacy_budget"]["delta"] = 1e-5  # fine for 60,000 records…
    ai.check_variables(variables)
    variables["datasets"][0]["size"] = 200_000  # …not for 200,000
    with pytest.raises(ValidationFailed):
        ai.check_variables(variables)


def test_payment_sums_are_exact_decimals(ai):
    variables = example(ai)
    variables["payment"] = {"total": 0.3, "currency": "EUR", "schedule": "milestones",
                            "installments": [{"due": "2027-02-01", "amount": 0.1},
                                             {"due": "2027-03-01", "amount": 0.2}]}
    ai.check_variables(variables)  # 0.1 + 0.2 == 0.3 here, unlike in floats


# ------------------------------------------------------------------ the sandbox


@pytest.mark.parametrize("body", [
    "{{ x.__class__ }}",
    "{{ x.__class__.__mro__[1].__subclasses__() }}",
    "{{ x|attr('__class__') }}",
    "{{ range(10) }}",
    "{% for i in range(100000000) %}{% endfor %}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "{% for a in x recursive %}{{ loop(a) }}{% endfor %}",
    "{{ 9 ** 9 ** 9 }}",
    "{{ '%s' % x }}",
    "{% include 'other' %}",
    "{% import 'other' as o %}",
    "{% extends 'base' %}",
    "{{ lipsum() }}",
    "{{ cycler(1, 2) }}",
    "{{ x.pop() }}",
    "{{ '{0.__class__}'.format(x) }}",
    "{{ ((((((((((((((((((((((1)))))))))))))))))))))) }}",
    "{% for a in x %}{% for b in x %}{% for c in x %}{% for d in x %}{% endfor %}{% endfor %}"
    "{% endfor %}{% endfor %}",
    "{% filter upper %}x{% endfilter %}",
    "{% set y %}{{ x }}{% endset %}",
    "{% with y = x %}{% endwith %}",
    "{{ _private }}",
])
def test_bodies_that_reach_for_internals_or_loop_without_end_are_refused(body):
    with pytest.raises(TemplateBodyError):
        check_body(body)


@pytest.mark.parametrize("body", [
    "{{ x.append }}", "{{ 'abc'.upper }}", "{{ ''.format }}", "{{ x.count }}",
    "{{ missing }}", "{{ 'a' * 10 }}", "{{ x * 3 }}", "{{ 1|round(0, 'sideways') }}",
    "{{ x - 1 }}", "{{ -x }}", "{{ x['count'] }}",
])
def test_what_slips_past_the_syntax_check_fails_at_render(body):
    with pytest.raises(TemplateBodyError):
        render(body, {"x": [1, 2]})


def test_output_is_capped():
    body = "{% for a in x %}{% for b in x %}{% for c in x %}{{ s }}{% endfor %}{% endfor %}" \
           "{% endfor %}"
    with pytest.raises(RenderLimitExceeded, match="exceeds") as raised:
        render(body, {"x": list(range(100)), "s": "y" * 10})
    assert raised.value.limit == "output_size"


def test_json_members_named_like_methods_are_members():
    assert render("{{ d.items }} {{ d.keys }}", {"d": {"items": 3, "keys": "k"}}) == "3 k"


# ------------------------------------------------------------------ new versions


def definition(**changes):
    base = copy.deepcopy(builtin_templates()["data_sharing"].definition)
    base.update(changes)
    return base


def test_a_valid_new_version_gets_a_stable_content_hash():
    first = TemplateVersion.define("data_sharing", 2, definition())
    again = TemplateVersion.define("data_sharing", 2, definition())
    assert first.content_hash == again.content_hash
    assert TemplateVersion.define("data_sharing", 2, definition(name="Other")).content_hash \
        != first.content_hash


@pytest.mark.parametrize(("changes", "pointer"), [
    ({"variables_schema": {"type": "object", "properties": {"a": {"type": "nonsense"}}}},
     "/variables_schema/properties/a/type"),
    ({"variables_schema": {"type": "array"}}, "/variables_schema"),
    ({"variables_schema": {"type": "object", "properties": {
        "a": {"$ref": "https://evil.example/schema.json"}}}},
     "/variables_schema/properties/a/$ref"),
    ({"rules": [{"rule": "teleport"}]}, "/rules/0"),
    ({"rules": [{"rule": "before", "first": 1}]}, "/rules/0/first"),
    ({"body": "{{ x.__class__ }}"}, "/body"),
    ({"body": ""}, "/body"),
    ({"terms": []}, "/terms"),
    ({"terms": {"a": [{"$var": 5}]}}, "/terms/a/0/$var"),
    ({"validity": {"from": "/start_date"}}, "/validity"),
    ({"surprise": 1}, "/surprise"),
])
def test_bad_new_versions_are_refused_with_pointers(changes, pointer):
    with pytest.raises(TemplateInvalid) as raised:
        TemplateVersion.define("data_sharing", 2, definition(**changes))
    assert pointer in pointers(raised)


def test_the_example_must_satisfy_the_templates_own_variables():
    bad = definition()
    bad["example"]["retention_days"] = 0
    with pytest.raises(TemplateInvalid) as raised:
        TemplateVersion.define("data_sharing", 2, bad)
    assert "/example/retention_days" in pointers(raised)


def test_the_body_must_render_with_the_example():
    with pytest.raises(TemplateInvalid) as raised:
        TemplateVersion.define("data_sharing", 2, definition(body="{{ not_a_variable }}"))
    assert "/body" in pointers(raised)


@pytest.mark.parametrize("template_id", ["", "AI", "x", "has-dash", "1abc", "a" * 65])
def test_template_ids_are_slugs(template_id):
    with pytest.raises(TemplateInvalid):
        TemplateVersion.define(template_id, 1, definition())


def test_a_date_at_the_end_of_the_calendar_is_a_validation_error_not_a_crash():
    from cms.domain.templates.builtin import builtin_templates

    template = builtin_templates()["compliance"]
    variables = {**template.definition["example"]}
    until = template.definition["validity"]["until"]
    variables[until.lstrip("/")] = "9999-12-31"
    with pytest.raises(ValidationFailed) as error:
        template.validity_for(variables)
    assert error.value.extra["errors"][0]["pointer"] == "/variables" + until


# ------------------------------------------------------------------ the variables schema


def with_schema(**properties):
    return definition(variables_schema={"type": "object", "properties": properties})


def chain(length):
    links = {f"a{n}": {"$ref": f"#/$defs/a{n + 1}"} for n in range(length)}
    return {**links, f"a{length}": {"type": "integer"}}


@pytest.mark.parametrize(("schema", "pointer", "message"), [
    ({"type": "object", "properties": {"x": {"$ref": "#/nowhere"}}},
     "/variables_schema/properties/x/$ref", "naming a subschema"),
    ({"type": "object", "properties": {"x": {"$ref": "#/properties"}}},
     "/variables_schema/properties/x/$ref", "naming a subschema"),
    ({"type": "object", "properties": {"x": {"$ref": "#an-anchor"}}},
     "/variables_schema/properties/x/$ref", "naming a subschema"),
    ({"type": "object", "properties": {"x": {"$dynamicRef": "#meta"}}},
     "/variables_schema/properties/x/$dynamicRef", "one document"),
    ({"type": "object", "properties": {"x": {"$id": "https://elsewhere.example/x"}}},
     "/variables_schema/properties/x/$id", "one document"),
    ({"type": "object", "$defs": {"a": {"$ref": "#/$defs/a"}}}, "/variables_schema/$defs/a",
     "never end"),
    ({"type": "object", "$defs": {"a": {"allOf": [{"$ref": "#/$defs/b"}]},
                                  "b": {"not": {"$ref": "#/$defs/a"}}}},
     "/variables_schema/$defs/b/not", "never end"),
    ({"type": "object", "$defs": chain(65)}, None, "more than 64"),
    ({"type": "object", "properties": {"x": {"$ref": "https://evil.example/schema.json"}}},
     "/variables_schema/properties/x/$ref", "naming a subschema"),
])
def test_schemas_whose_references_cannot_be_followed_are_refused(schema, pointer, message):
    """Validating with them would fail or recurse without end, whatever the variables."""
    with pytest.raises(TemplateInvalid) as raised:
        TemplateVersion.define("data_sharing", 2, definition(variables_schema=schema))
    found = pointers(raised)
    if pointer is None:  # somewhere along the chain
        assert any(message in text for text in found.values()), found
    else:
        assert message in found[pointer]


def test_references_that_reach_smaller_values_may_recur():
    tree = {"type": "object", "properties": {"children": {"type": "array",
                                                          "items": {"$ref": "#/$defs/node"}}}}
    refs = {**definition()["variables_schema"], "$defs": {"node": tree, **chain(60)},
            "$id": "https://templates.example/data_sharing"}
    refs["properties"] = {**refs["properties"], "tree": {"$ref": "#/$defs/node"},
                          "n": {"$ref": "#/$defs/a0"}, "root": {"$ref": "#"},
                          "spaced": {"$ref": "#/$defs/a%2060"}}
    refs["$defs"]["a 60"] = {"type": "integer"}
    template = TemplateVersion.define("data_sharing", 2, definition(variables_schema=refs))
    variables = {**definition()["example"], "tree": {"children": [{"children": []}]}, "n": 1}
    template.check_variables(variables)
    with pytest.raises(ValidationFailed) as raised:
        template.check_variables({**variables, "n": "one", "spaced": "x"})
    assert {"/variables/n", "/variables/spaced"} <= set(pointers(raised))


def test_a_stored_schema_that_cannot_be_applied_is_a_validation_error_not_a_crash():
    """Versions stored before references were checked are applied without a 500."""
    looping = definition(variables_schema={"type": "object", "properties": {
        "x": {"$ref": "#/$defs/a"}}, "$defs": {"a": {"$ref": "#/$defs/a"}}})
    template = TemplateVersion("data_sharing", 2, looping)
    with pytest.raises(ValidationFailed) as raised:
        template.check_variables({**looping["example"], "x": 1})
    assert "/variables" in pointers(raised)
