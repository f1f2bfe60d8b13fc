"""How long a refused render takes: each known attack on the template sandbox, the variables
schema and the document conversion, run with the default limits (cms.domain.templates.budget).

Every line should end in a refusal (the limit named) well under the render's 5 s deadline;
the built-ins show what an ordinary render costs (steps, characters built, time). The tests
(tests/unit/test_template_limits.py) say *that* each attack is refused; this says how fast.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "layers" / "cms" / "python"))

from cms.domain.documents import render_document  # noqa: E402
from cms.domain.errors import RenderLimitExceeded  # noqa: E402
from cms.domain.templates.budget import RenderBudget, metering  # noqa: E402
from cms.domain.templates.builtin import BUILTIN_IDS, builtin_templates  # noqa: E402
from cms.domain.templates.rendering import render  # noqa: E402
from cms.domain.templates.variables_schema import schema_problems  # noqa: E402


def doubling(step: str, times: int, start: str = '"xxxxxxxxxxxxxxxxxxxx"') -> str:
    return f"{{% set a = {start} %}}" + f"{{% set a = {step} %}}" * times + "{{ a|length }}"


LOOPS = doubling("a + a", 12, "[1]").removesuffix("{{ a|length }}")
BODIES = {
    "~ doubling x30": (doubling("a ~ a", 30), {}),
    "list + doubling x30": (doubling("a + a", 30, "[1]"), {}),
    "shared lists compared": ("{% set l = [1, 2] %}" + "{% set l = [l, l] %}" * 40
                              + "{% set m = [1, 2] %}" + "{% set m = [m, m] %}" * 40
                              + "{{ l == m }}", {}),
    "3 loops over 4096": (LOOPS + "{% for x in a %}{% for y in a %}{% for z in a %}"
                          "{% endfor %}{% endfor %}{% endfor %}", {}),
    "sort doubling": (doubling("(a + a)|sort", 30, "[3, 1, 2]"), {}),
    "replace('', y)": ("{{ x|replace('', y)|length }}", {"x": "a" * 1000, "y": "b" * 1000}),
    "int doubling": (doubling("a + a", 60, "3"), {}),
}
LEVELS = {f"d{i}": {"allOf": [{"$ref": f"#/$defs/d{i + 1}"}] * 2} for i in range(20)}
SCHEMAS = {
    "allOf fan-out 2^20": ({"type": "object", "$defs": {**LEVELS, "d20": {"type": "integer"}},
                            "properties": {"a": {"$ref": "#/$defs/d0"}}}, {"a": 1}),
    "^(a+)+$ on 100k": ({"type": "object", "properties": {"a": {"pattern": "^(a+)+$"}}},
                        {"a": "a" * 100_000 + "b"}),
    "uniqueItems 20k": ({"type": "object", "properties": {"a": {"uniqueItems": True}}},
                        {"a": [{"k": i} for i in range(20_000)]}),
}


def timed(name: str, run: object) -> None:
    budget = RenderBudget()
    started = time.perf_counter()
    try:
        with metering(budget):
            run()  # type: ignore[operator]
        outcome = "rendered"
    except RenderLimitExceeded as error:
        outcome = f"refused: {error.limit}"
    elapsed = time.perf_counter() - started
    print(f"{name:28s} {elapsed * 1000:8.1f} ms {budget.steps:8d} steps "
          f"{budget.produced:9d} chars built  {outcome}")


def main() -> None:
    for template_id in BUILTIN_IDS:
        template = builtin_templates()[template_id]
        timed(f"built-in {template_id}",
              lambda t=template: t.render(t.definition["example"]))
    for name, (body, variables) in BODIES.items():
        timed(name, lambda b=body, v=variables: render(b, v))
    for name, (schema, instance) in SCHEMAS.items():
        timed(name, lambda s=schema, i=instance: schema_problems(s, i))
    markdown = ("[a " * 90_000)[:256 * 1024]
    timed("Markdown '[a ' x 87k", lambda: render_document(
        markdown, title="t", issued_at="2026-01-01T00:00:00Z",
        check=RenderBudget().check_time))


if __name__ == "__main__":
    main()
