"""Applying a variables schema in time linear in the variables, whatever the schema says.

- Regular expressions (``pattern``, ``patternProperties``, and the ``regex`` format) run on
  RE2 (google-re2), which matches in linear time: Python's ``re`` backtracks, so a pattern like
  ``^(a+)+$`` takes exponential time on a crafted string. RE2 has no backreferences or
  look-around; a schema using them is refused when the version is defined. JSON Schema's
  patterns are ECMA-262 expressions; RE2 reads the common subset alike (``\\d`` and ``\\w`` are
  ASCII in both, ``\\p{L}`` works, unlike in ``re``).
- ``uniqueItems`` compares canonical forms in a set, not every pair of items.
- Every keyword applied charges the render's budget (cms.domain.templates.budget): a schema
  whose subschemas apply to the same value along many paths (``allOf`` of two references to
  a subschema that does the same, twenty levels down) would otherwise take exponential time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

import re2
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError

from cms.domain.canonical import canonical_json
from cms.domain.templates.budget import SIZE_PER_STEP, current

# jsonschema spends 5-20 µs applying one keyword (following a reference: ~50 µs), against a
# step's few microseconds elsewhere.
KEYWORD_STEPS = 8
REFERENCE_STEPS = 32
Keyword = Callable[[Any, Any, Any, dict[str, Any]], Iterator[ValidationError] | None]


class PatternRefused(ValueError):
    """Not an expression RE2 can match (or larger than its memory bound)."""


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # RE2 would print every refused pattern to stderr
    return options


_OPTIONS = _options()


@lru_cache(maxsize=512)
def compiled(pattern: str) -> Any:
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as error:
        message = error.args[0] if error.args else error
        if isinstance(message, bytes):
            message = message.decode(errors="replace")
        raise PatternRefused(f"not a pattern this platform matches (RE2 syntax, no "
                             f"backreferences or look-around): {message}") from None


def pattern_problem(pattern: Any) -> str | None:
    if not isinstance(pattern, str):
        return None  # the metaschema reports the type
    try:
        compiled(pattern)
    except PatternRefused as error:
        return str(error)
    return None


def _searches(pattern: str, text: str) -> bool:
    current().charge(1 + len(text) // SIZE_PER_STEP)
    return compiled(pattern).search(text) is not None


# ------------------------------------------------------------------ keywords on RE2


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]
             ) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _searches(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: dict[str, Any], instance: Any,
                        schema: dict[str, Any]) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for name, value in instance.items():
            if _searches(pattern, name):
                yield from validator.descend(value, subschema, path=name,
                                             schema_path=pattern)


def _additional_properties(validator: Any, additional: Any, instance: Any,
                           schema: dict[str, Any]) -> Iterator[ValidationError]:
    """jsonschema's own, with its patternProperties matched on RE2."""
    if not validator.is_type(instance, "object"):
        return
    named = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = [name for name in instance if name not in named
              and not any(_searches(pattern, name) for pattern in patterns)]
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        listed = ", ".join(repr(extra) for extra in sorted(extras))
        if patterns:
            verb = "does" if len(extras) == 1 else "do"
            yield ValidationError(f"{listed} {verb} not match any of the regexes: "
                                  f"{', '.join(repr(p) for p in sorted(patterns))}")
        else:
            verb = "was" if len(extras) == 1 else "were"
            yield ValidationError(f"Additional properties are not allowed ({listed} {verb} "
                                  "unexpected)")


def _unique_items(validator: Any, unique: Any, instance: Any, schema: dict[str, Any]
                  ) -> Iterator[ValidationError]:
    """Equal as JSON Schema compares (1 == 1.0, true != 1, objects unordered): equal
    canonical JSON, found with a set in one pass."""
    if not (unique and validator.is_type(instance, "array")):
        return
    seen: set[bytes] = set()
    budget = current()
    for item in instance:
        budget.charge(KEYWORD_STEPS)  # writing an item out canonically: ~15 µs
        form = canonical_json(item)
        if form in seen:
            yield ValidationError(f"{_short(instance)} has non-unique elements")
            return
        seen.add(form)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "…"


def _regex_format(instance: object) -> bool:
    if isinstance(instance, str):
        current().charge(1 + len(instance) // SIZE_PER_STEP)
        compiled(instance)  # PatternRefused: not a regex
    return True


def format_checker() -> FormatChecker:
    checker = FormatChecker()
    checker.checkers = dict(Draft202012Validator.FORMAT_CHECKER.checkers)
    checker.checks("regex", raises=PatternRefused)(_regex_format)
    return checker


FORMAT_CHECKER = format_checker()


# ------------------------------------------------------------------ metering


def _metered(keyword: str, function: Keyword) -> Keyword:
    deep = keyword in ("enum", "const", "uniqueItems")
    steps = REFERENCE_STEPS if keyword in ("$ref", "$dynamicRef") else KEYWORD_STEPS

    def apply(validator: Any, value: Any, instance: Any, schema: dict[str, Any]) -> Any:
        budget = current()
        # A keyword walks the instance's own members a few times at most; enum and const
        # compare it whole with the listed values (no comparison reads more than both), and
        # uniqueItems writes each item out.
        if deep:
            width = budget.size_of(instance) + budget.size_of(value)
        else:
            width = len(instance) if isinstance(instance, str | list | dict) else 0
        budget.charge(steps + width // SIZE_PER_STEP)
        return function(validator, value, instance, schema)

    return apply


_REPLACED: dict[str, Keyword] = {
    "pattern": _pattern, "patternProperties": _pattern_properties,
    "additionalProperties": _additional_properties, "uniqueItems": _unique_items}
_KEYWORDS = {**Draft202012Validator.VALIDATORS, **_REPLACED}

MeteredValidator = validators.extend(
    Draft202012Validator,
    {keyword: _metered(keyword, function) for keyword, function in _KEYWORDS.items()},
    format_checker=FORMAT_CHECKER)
