"""A render's limits: whatever a template's author writes and whatever variables a user sends,
rendering stops at its budget of steps, its value and output sizes, and its time, with
``RenderLimitExceeded`` naming the limit; bodies shaped past what the parser and compiler
handle are refused before they are stored; variables schemas apply in linear time.

(The HTTP answers are in tests/unit/test_platform_routes.py and tests/e2e/test_templates_api.py.)
"""

from __future__ import annotations

import copy
import itertools

import pytest

from cms.domain.errors import RenderLimitExceeded, TemplateInvalid
from cms.domain.templates.budget import (
    MAX_SAFE_NUMBER,
    RenderBudget,
    RenderLimits,
    metering,
)
from cms.domain.templates.builtin import BUILTIN_IDS, builtin_templates
from cms.domain.templates.model import TemplateVersion
from cms.domain.templates.rendering import (
    MAX_BLOCK_DEPTH,
    MAX_TAG_TOKENS,
    MAX_TAGS,
    MAX_TOKENS,
    TemplateBodyError,
    check_body,
    render,
)
from cms.domain.templates.rules import rule_problems
from cms.domain.templates.variables_schema import (
    schema_definition_problems,
    schema_problems,
)


def doubling(step: str, times: int, start: str = '"xxxxxxxxxxxxxxxxxxxx"') -> str:
    return f"{{% set a = {start} %}}" + f"{{% set a = {step} %}}" * times + "{{ a|length }}"


def limit_of(body: str, variables: dict | None = None, **limits: object) -> str:
    with pytest.raises(RenderLimitExceeded) as raised, metering(
            RenderBudget(RenderLimits(**limits))):
        render(body, variables or {})
    return raised.value.limit


# ------------------------------------------------------------------ building values


@pytest.mark.parametrize("step", ["a ~ a", "a + a", "(a ~ a)|upper", "[a, a]|join",
                                  "a|replace('x', 'xx')", "a|join(a)", "a[:] ~ a",
                                  "[a, a]|string"])
def test_a_string_that_doubles_each_step_stops_at_the_value_limit(step):
    # The issue's example: twenty steps of ~ made 21 million characters.
    assert limit_of(doubling(step, 20)) == "value_size"


def test_the_limit_is_checked_before_the_value_is_built():
    budget = RenderBudget(RenderLimits(value_chars=1000))
    with pytest.raises(RenderLimitExceeded), metering(budget):
        render("{{ (a ~ a)|length }}", {"a": "x" * 600})
    assert budget.produced == 0  # the 1,200 characters were never made


@pytest.mark.parametrize("body", [
    doubling("a + a", 25, "[1]"),
    doubling("[a, a]", 40, "[1, 2]"),  # shared parts: a small object, a huge text
])
def test_lists_are_measured_as_written_out(body):
    assert limit_of(body) == "value_size"


def test_comparing_two_huge_shared_lists_is_refused_before_it_runs():
    both = "{% set l = [1, 2] %}" + "{% set l = [l, l] %}" * 40 + \
           "{% set m = [1, 2] %}" + "{% set m = [m, m] %}" * 40 + "{{ l == m }}"
    assert limit_of(both) == "value_size"


def test_values_nest_boundedly():
    assert limit_of("{% set l = [1] %}" + "{% set l = [l] %}" * 70 + "{{ l|length }}") == \
        "nesting"


def test_what_a_render_builds_altogether_is_bounded():
    body = "".join(f"{{% set a{i} = x ~ {i} %}}" for i in range(40)) + "ok"
    assert limit_of(body, {"x": "y" * 100_000}, produced_chars=1_000_000) == "produced_size"


@pytest.mark.parametrize("body", [
    "{{ x|replace('', y)|length }}",  # between every character
    "{{ x|join(y)|length }}",
    "{{ (x ~ y ~ x ~ y ~ x)|length }}",
])
def test_filters_and_operators_on_the_variables_are_measured_first(body):
    assert limit_of(body, {"x": "ab" * 60_000, "y": "c" * 1000}) == "value_size"


# ------------------------------------------------------------------ numbers


@pytest.mark.parametrize("body", [
    doubling("a * a", 10, "3"),
    doubling("a + a", 60, "3"),
    doubling("0 - a - a", 60, "1"),
    "{{ 1e300 * 1e300 }}",
    "{{ 99999999999999999999 + 1 }}",
    "{{ '1e300'|float }}",
    "{{ 1e300|int }}",
    "{{ -(99999999999999999999) }}",
])
def test_computed_numbers_stay_within_safe_integers(body):
    assert limit_of(body) == "number"


@pytest.mark.parametrize("body", ["{{ 9 ** 9 ** 9 }}", "{{ 9 // 2 }}", "{{ 9 % 2 }}",
                                  "{{ 1" + "0" * 40 + " }}"])
def test_big_integer_operators_and_literals_are_refused_when_defined(body):
    with pytest.raises(TemplateBodyError):
        check_body(body)


def test_round_cannot_ask_for_a_power_of_ten_of_any_size():
    with pytest.raises(TemplateBodyError, match="precision"):
        render("{{ 1.5|round(100000000, 'ceil') }}", {})
    assert render("{{ 1.25|round(1, 'floor') }}", {}) == "1.2"
    assert render(f"{{{{ {MAX_SAFE_NUMBER} + 0 }}}}", {}) == str(MAX_SAFE_NUMBER)


# ------------------------------------------------------------------ steps and time


def test_nested_loops_over_a_built_list_run_out_of_steps():
    body = doubling("a + a", 12, "[1]").removesuffix("{{ a|length }}") + \
        "{% for x in a %}{% for y in a %}{% for z in a %}{% endfor %}{% endfor %}{% endfor %}"
    assert limit_of(body) == "operations"


def test_a_loop_iteration_costs_what_its_body_may_do():
    lots = "{% if x %}{% endif %}" * 300
    body = f"{{% for i in items %}}{lots}{{% endfor %}}"
    budget = RenderBudget()
    with metering(budget):
        render(body, {"items": [1, 2, 3], "x": False})
    assert budget.steps > 3 * 300  # not 3: the 300 ifs run each time


@pytest.mark.parametrize("body", [
    "{% for i in x %}{% for j in x %}{{ y in x }}{% endfor %}{% endfor %}",
    "{% for i in x %}{% for j in x %}{{ x|sort|length }}{% endfor %}{% endfor %}",
    "{% for i in x %}{% for j in x %}{{ x == x[:] }}{% endfor %}{% endfor %}",
])
def test_work_on_large_values_inside_loops_is_charged_by_size(body):
    assert limit_of(body, {"x": list(range(2000)), "y": -1}) == "operations"


def test_the_clock_stops_what_the_steps_allow():
    ticks = itertools.count()
    budget = RenderBudget(RenderLimits(seconds=100), clock=lambda: float(next(ticks)))
    with pytest.raises(RenderLimitExceeded) as raised, metering(budget):
        render("{% for i in x %}{{ i }}{% endfor %}", {"x": list(range(1000))})
    assert raised.value.limit == "time" and budget.steps < 1000


def test_every_builtin_renders_well_within_the_default_budget():
    for template_id in BUILTIN_IDS:
        template = builtin_templates()[template_id]
        budget = RenderBudget()
        with metering(budget):
            template.render(template.definition["example"])
        assert budget.steps < 5_000 and budget.produced < 50_000, template_id


# ------------------------------------------------------------------ shapes refused up front


@pytest.mark.parametrize("body", [
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "{% for i in range(100000000) %}{% endfor %}",
    "{{ " + "not " * 300 + "x }}",
    "{{ x" + "|upper" * 3000 + " }}",
    "{{ x" + " + x" * 3000 + " }}",
    "{{ x" + ".a" * 3000 + " }}",
    "{{ " + "- " * 120 + "1 }}",
    "{% if x %}" * (MAX_BLOCK_DEPTH + 1) + "{% endif %}" * (MAX_BLOCK_DEPTH + 1),
    "{% set y %}" * (MAX_BLOCK_DEPTH + 1) + "{% endset %}" * (MAX_BLOCK_DEPTH + 1),
    "{{ 1 if x else " * 60 + "2 }}",
    "{{ " + "1" * 5000 + " }}",
    "{{ x }}" * (MAX_TAGS + 1),
    "{{ " + " ~ ".join(["x"] * MAX_TAG_TOKENS) + " }}",
    ("{{ " + " ~ ".join(["x"] * 60) + " }}") * (MAX_TOKENS // 119 + 1),
])
def test_bodies_shaped_past_the_parser_and_compiler_are_refused_as_problems(body):
    # Each of these was a RecursionError, a ValueError or a SyntaxError (a 500) or a render
    # without end; now a problem the author can read.
    with pytest.raises(TemplateBodyError):
        check_body(body)


def test_a_body_within_the_shape_limits_compiles():
    check_body("{% if a %}" * MAX_BLOCK_DEPTH + "x" + "{% endif %}" * MAX_BLOCK_DEPTH)
    check_body("{{ " + " ~ ".join(["x"] * (MAX_TAG_TOKENS // 2)) + " }}")


# ------------------------------------------------------------------ variables schemas


def schema(**properties):
    return {"type": "object", "properties": properties}


def test_patterns_match_in_linear_time():
    # ^(a+)+$ backtracks exponentially in Python's re: 30 characters took minutes.
    redos = schema(a={"type": "string", "pattern": "^(a+)+$"})
    assert schema_definition_problems(redos) == []
    assert [p["pointer"] for p in schema_problems(redos, {"a": "a" * 100_000 + "b"})] == ["/a"]
    assert schema_problems(redos, {"a": "a" * 100_000}) == []


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=a)a", r"(?<!b)a"])
def test_patterns_needing_backtracking_are_refused_when_defined(pattern):
    problems = schema_definition_problems(schema(a={"type": "string", "pattern": pattern}))
    assert [p["pointer"] for p in problems] == ["/variables_schema/properties/a/pattern"]
    keyed = {"type": "object", "patternProperties": {pattern: {}}}
    assert schema_definition_problems(keyed)


def test_pattern_properties_and_additional_properties_match_on_re2():
    keyed = {"type": "object", "patternProperties": {"^(x+)+$": {"type": "integer"}},
             "additionalProperties": False}
    assert schema_problems(keyed, {"x" * 1000: 1}) == []
    [problem] = schema_problems(keyed, {"x" * 10 + "y": 1})
    assert "do" in problem["message"] and "regexes" in problem["message"]
    assert [p["pointer"] for p in schema_problems(keyed, {"xx": "one"})] == ["/xx"]


def test_thousands_of_nested_groups_are_no_crash():
    nested = schema(a={"type": "string", "pattern": "(" * 5000 + "a" + ")" * 5000})
    schema_definition_problems(nested)  # was a RecursionError in re.compile (a 500)


def test_the_regex_format_is_checked_on_re2():
    regex = schema(a={"type": "string", "format": "regex"})
    assert schema_problems(regex, {"a": "^a+$"}) == []
    assert schema_problems(regex, {"a": r"(a)\1"})
    assert schema_problems(regex, {"a": "(" * 3000 + ")" * 3000}) == []


def test_unique_items_compare_as_json_schema_says_in_one_pass():
    unique = schema(a={"type": "array", "uniqueItems": True})
    assert schema_problems(unique, {"a": [{"k": i} for i in range(20_000)]}) == []
    for duplicates in ([1, 1.0], [{"a": 1, "b": 2}, {"b": 2, "a": 1}], [[1], [1]]):
        assert schema_problems(unique, {"a": duplicates}), duplicates
    for distinct in ([1, True], [0, False], ["1", 1], [None, False]):
        assert schema_problems(unique, {"a": distinct}) == [], distinct


def test_unevaluated_properties_beside_pattern_properties_is_refused():
    both = {"type": "object", "patternProperties": {"^x": {}}, "unevaluatedProperties": False}
    assert schema_definition_problems(both)[0]["pointer"] == "/variables_schema"


def test_a_schema_applying_exponentially_many_times_runs_out_of_steps():
    levels = {f"d{i}": {"allOf": [{"$ref": f"#/$defs/d{i + 1}"}] * 2} for i in range(20)}
    levels["d20"] = {"type": "integer"}
    exponential = {"type": "object", "$defs": levels,
                   "properties": {"a": {"$ref": "#/$defs/d0"}}}
    assert schema_definition_problems(exponential) == []  # every chain is short
    with pytest.raises(RenderLimitExceeded) as raised, metering(RenderBudget()):
        schema_problems(exponential, {"a": 1})
    assert raised.value.limit == "operations"


def test_at_most_a_hundred_problems_are_listed():
    items = schema(a={"type": "array", "items": {"type": "string"}})
    assert len(schema_problems(items, {"a": list(range(5000))})) == 100


def test_rules_over_long_lists_are_charged():
    rules = [{"rule": "unique", "items": "/a", "field": "id"}] * 2000
    with pytest.raises(RenderLimitExceeded), metering(RenderBudget()):
        rule_problems(rules, {"a": [{"id": i} for i in range(5000)]})


# ------------------------------------------------------------------ defining a version


def version_with(**changes):
    definition = copy.deepcopy(builtin_templates()["data_sharing"].definition)
    definition.update(changes)
    return definition


def test_a_version_whose_example_goes_past_the_limits_is_invalid():
    with pytest.raises(TemplateInvalid) as raised:
        TemplateVersion.define("doubling", 1, version_with(body=doubling("a ~ a", 20)))
    assert raised.value.extra["errors"][0]["pointer"] == "/body"
    assert "larger than" in raised.value.extra["errors"][0]["message"]


def test_a_version_is_checked_with_the_limits_it_is_given():
    small = RenderLimits(operations=50)
    with pytest.raises(TemplateInvalid):
        TemplateVersion.define("small", 1, builtin_templates()["data_sharing"].definition,
                               small)


def test_a_render_of_a_version_checks_variables_and_body_in_one_budget():
    template = TemplateVersion.define("echo", 1, version_with(
        body="{% for d in datasets %}{{ d.name ~ d.name }}{% endfor %}"))
    variables = copy.deepcopy(template.definition["example"])
    variables["datasets"] = variables["datasets"] * 200
    template.render(template.definition["example"], RenderLimits(operations=2_000))
    with pytest.raises(RenderLimitExceeded):
        template.render(variables, RenderLimits(operations=2_000))


@pytest.mark.parametrize(("body", "variables", "expected"), [
    ("{% for a, b in pairs %}{{ a }}={{ b }};{% endfor %}", {"pairs": [[1, 2], [3, 4]]},
     "1=2;3=4;"),
    ("{% for x in xs %}{{ loop.index }}/{{ loop.length }} {% else %}none{% endfor %}",
     {"xs": ["a", "b"]}, "1/2 2/2 "),
    ("{% for x in xs %}{{ x }}{% else %}none{% endfor %}", {"xs": []}, "none"),
    ("{{ 'k' in d }} {{ 'z' not in d }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 5 }}", {"d": {"k": 1}},
     "True True True False"),
    ("{% for x in [a, b] %}{{ x }}{% endfor %}", {"a": 1, "b": 2}, "12"),
    ("{{ items|join(', ', attribute='name') }}", {"items": [{"name": "x"}, {"name": "y"}]},
     "x, y"),
    ("{{ (1, 2)|length }} {{ [3, 1, 2]|sort|first }} {{ xs|unique|join }}",
     {"xs": ["a", "a", "b"]}, "2 1 ab"),
    ("{{ price * 1.2 }} {{ -n }} {{ 7 / 2 }} {{ n - 1 }}", {"price": 10, "n": 5},
     "12.0 -5 3.5 4"),
    ("{{ name ~ '!' }} {{ name|upper }} {{ name[1:3] }} {{ d.items }}",
     {"name": "alice", "d": {"items": 3}}, "alice! ALICE li 3"),
    ("{{ x|default('none') }} {{ 3.14159|round(2) }} {{ '42'|int + 1 }}", {"x": "v"},
     "v 3.14 43"),
])
def test_ordinary_templates_render_as_before_under_the_meter(body, variables, expected):
    # Literals, ~, comparisons and loops are rewritten into metered steps: same results.
    assert render(body, variables) == expected
