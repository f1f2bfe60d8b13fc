"""A template's variables schema (JSON Schema 2020-12): checked when a version is defined so
that applying it to any variables ends, and applied to variables field by field.

Beyond the metaschema, a variables schema keeps to one document whose references can be
followed statically: ``$ref`` only to ``#`` or a ``#/…`` pointer at a subschema, no ``$id``
below the root, no anchors or dynamic references, and no chain of references (through
``allOf``, ``not``, ``if`` and the like, which apply to the same value) that comes back to
where it started or runs past a bound: validating would recurse without end (or deeper than
the stack), whatever the variables. Patterns must be expressions RE2 matches (linear time:
cms.domain.templates.schema_keywords), and ``unevaluatedProperties`` cannot be combined with
``patternProperties`` (jsonschema evaluates that pair with Python's backtracking ``re``).
Applying a schema charges the render's budget keyword by keyword.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from itertools import islice
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from cms.domain.canonical import canonical_json
from cms.domain.templates.budget import metered
from cms.domain.templates.rules import MAX_MESSAGE, Problem
from cms.domain.templates.schema_keywords import FORMAT_CHECKER, MeteredValidator, pattern_problem

# Draft 2020-12's keywords whose values are subschemas; every other keyword's value is data.
_ONE = ("additionalProperties", "propertyNames", "items", "contains", "not", "if", "then",
        "else", "unevaluatedItems", "unevaluatedProperties", "contentSchema")
_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_MAP = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
# Those that apply to the very value the schema applies to (a $ref too): a cycle through
# them alone never reaches a smaller value.
_SAME_VALUE_ONE = ("not", "if", "then", "else")
_SAME_VALUE_LIST = ("allOf", "anyOf", "oneOf")
_SAME_VALUE_MAP = ("dependentSchemas",)
_REFUSED = ("$id", "$anchor", "$dynamicRef", "$dynamicAnchor", "$recursiveRef",
            "$recursiveAnchor")
WHERE = "/variables_schema"
# Each reference followed costs the validator a few stack frames; values nest at most 32 deep
# in a request, and references that apply to the same value at most this many.
MAX_SAME_VALUE_CHAIN = 64
# Variables breaking the schema in more places are told about the first ones (a problem per
# item of a 20,000-item list would be a larger answer than its request).
MAX_PROBLEMS = 100


def schema_definition_problems(schema: Any) -> list[Problem]:
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return [{"pointer": WHERE, "message": 'must be a JSON Schema with "type": "object"'}]
    with metered():
        try:
            # With RE2 for the "regex" format: Python's re.compile recurses per group, so a
            # pattern of thousands of nested groups would exhaust the stack.
            Draft202012Validator.check_schema(schema, format_checker=FORMAT_CHECKER)
        except SchemaError as error:
            return [{"pointer": WHERE + pointer_of(error.absolute_path),
                     "message": shortened(error.message)}]
    subschemas = dict(_subschemas(schema, ""))
    problems = [problem for at, subschema in subschemas.items()
                for problem in (*_reference_problems(at, subschema, subschemas),
                                *_pattern_problems(at, subschema))]
    if not problems and _uses(subschemas, "patternProperties") and _uses(
            subschemas, "unevaluatedProperties"):
        problems = [{"pointer": WHERE, "message": (
            "unevaluatedProperties cannot be combined with patternProperties")}]
    return problems or _cycle_problems(subschemas)


def schema_problems(schema: dict[str, Any], instance: Any) -> list[Problem]:
    """Every way ``instance`` breaks ``schema``, each at its JSON pointer, within the render's
    budget (RenderLimitExceeded past it)."""
    with metered():
        validator = _validator(canonical_json(schema))
        if validator is None:  # a version stored before its references were checked
            return [{"pointer": "", "message": "the template's variables schema cannot be "
                                               "applied (its references cannot be followed "
                                               "to an end)"}]
        errors = sorted(islice(validator.iter_errors(instance), MAX_PROBLEMS),
                        key=lambda e: list(map(str, e.absolute_path)))
    return [{"pointer": pointer_of(error.absolute_path), "message": shortened(error.message)}
            for error in errors]


def pointer_of(path: Any) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def shortened(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE] + "…"


@lru_cache(maxsize=64)
def _validator(schema: bytes) -> Any:
    """None for a schema whose references would recurse without end (never run, since where
    py_ecc is loaded, raising the recursion limit to 100,000, the recursion would overflow
    the C stack before Python noticed) or whose patterns RE2 cannot match."""
    loaded = json.loads(schema)
    if schema_definition_problems(loaded):
        return None
    return MeteredValidator(loaded, format_checker=FORMAT_CHECKER)


def _pattern_problems(at: str, subschema: Any) -> list[Problem]:
    if not isinstance(subschema, dict):
        return []
    found = [(f"{at}/pattern", subschema.get("pattern"))] if "pattern" in subschema else []
    if isinstance(subschema.get("patternProperties"), dict):
        found += [(at + pointer_of(["patternProperties", pattern]), pattern)
                  for pattern in subschema["patternProperties"]]
    return [{"pointer": WHERE + where, "message": shortened(message)}
            for where, pattern in found if (message := pattern_problem(pattern))]


def _uses(subschemas: dict[str, Any], keyword: str) -> bool:
    return any(isinstance(subschema, dict) and keyword in subschema
               for subschema in subschemas.values())


def _subschemas(schema: Any, at: str) -> Iterator[tuple[str, Any]]:
    """Every subschema with its pointer (the schema itself first)."""
    yield at, schema
    if not isinstance(schema, dict):
        return
    for keyword, value in schema.items():
        where = at + pointer_of([keyword])
        if keyword in _ONE:
            yield from _subschemas(value, where)
        elif keyword in _LIST and isinstance(value, list):
            for index, item in enumerate(value):
                yield from _subschemas(item, where + f"/{index}")
        elif keyword in _MAP and isinstance(value, dict):
            for name, item in value.items():
                yield from _subschemas(item, where + pointer_of([name]))


def _target(reference: str) -> str | None:
    """The pointer a local reference names (``#`` is the root), or None."""
    if reference == "#":
        return ""
    return unquote(reference[1:]) if reference.startswith("#/") else None


def _reference_problems(at: str, subschema: Any,
                        subschemas: dict[str, Any]) -> list[Problem]:
    if not isinstance(subschema, dict):
        return []
    # The root may name itself ($id): its own "#/…" references still resolve in it.
    refused = [keyword for keyword in _REFUSED if keyword in subschema
               and not (keyword == "$id" and at == "")]
    problems = [{"pointer": f"{WHERE}{at}/{keyword}",
                 "message": "not supported: a variables schema is one document"}
                for keyword in refused]
    reference = subschema.get("$ref")
    if isinstance(reference, str) and _target(reference) not in subschemas:
        problems.append({"pointer": f"{WHERE}{at}/$ref", "message": (
            "must be # or #/… naming a subschema of this schema")})
    return problems


def _same_value_successors(at: str, subschema: Any) -> list[str]:
    if not isinstance(subschema, dict):
        return []
    found = []
    if isinstance(subschema.get("$ref"), str):
        found.append(_target(subschema["$ref"]) or "")
    found += [at + pointer_of([keyword]) for keyword in _SAME_VALUE_ONE if keyword in subschema]
    for keyword in _SAME_VALUE_LIST:
        if isinstance(subschema.get(keyword), list):
            found += [at + pointer_of([keyword, index])
                      for index in range(len(subschema[keyword]))]
    for keyword in _SAME_VALUE_MAP:
        if isinstance(subschema.get(keyword), dict):
            found += [at + pointer_of([keyword, name]) for name in subschema[keyword]]
    return found


def _cycle_problems(subschemas: dict[str, Any]) -> list[Problem]:
    """A chain of subschemas that all apply to the same value and comes back to where it
    started, or runs longer than ``MAX_SAME_VALUE_CHAIN`` (a depth-first walk without
    recursion, computing each subschema's longest chain on the way back)."""
    on_path = -1
    longest: dict[str, int] = {}  # on_path while being walked, then the chain's length
    for start, subschema in subschemas.items():
        if start in longest:
            continue
        longest[start] = on_path
        stack = [(start, iter(_same_value_successors(start, subschema)), 1)]
        while stack:
            node, successors, length = stack[-1]
            following = next(successors, None)
            if following is None:
                stack.pop()
                longest[node] = length
                if stack:
                    parent, rest, parent_length = stack.pop()
                    stack.append((parent, rest, max(parent_length, length + 1)))
                if length > MAX_SAME_VALUE_CHAIN:
                    return [{"pointer": WHERE + node, "message": (
                        f"starts a chain of more than {MAX_SAME_VALUE_CHAIN} references "
                        "applying to the same value")}]
            elif longest.get(following) == on_path:
                return [{"pointer": WHERE + node, "message": (
                    "refers back to itself without applying to a smaller value: "
                    "validating would never end")}]
            elif following in longest:
                stack[-1] = (node, successors, max(length, longest[following] + 1))
            elif following in subschemas:
                longest[following] = on_path
                stack.append((following, iter(_same_value_successors(
                    following, subschemas[following])), 1))
    return []
