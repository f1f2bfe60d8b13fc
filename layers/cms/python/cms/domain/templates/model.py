"""A contract template version: variables (JSON Schema 2020-12 plus cross-field rules), a
Markdown body rendered in a sandbox, and a mapping from variables into contract terms.

A version is checked whole before it is stored: the schema is a valid schema, the rules are
well-formed, the body passes the sandbox's allowlist, the example satisfies schema and rules,
and the body renders with it. Its content hash (SHA-256 of the canonical definition) is what a
contract pins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from cms.domain.canonical import canonical_json, digest_of, iso_utc, parse_iso
from cms.domain.errors import RenderLimitExceeded, TemplateInvalid, ValidationFailed
from cms.domain.templates.budget import DEFAULT_LIMITS, RenderLimits, metered
from cms.domain.templates.rendering import TemplateBodyError, check_body, render
from cms.domain.templates.rules import (
    ABSENT,
    Problem,
    resolve,
    rule_definition_problems,
    rule_problems,
)
from cms.domain.templates.variables_schema import schema_definition_problems, schema_problems

TEMPLATE_ID_PATTERN = r"^[a-z][a-z0-9_]{2,63}$"
TEMPLATE_ID = re.compile(TEMPLATE_ID_PATTERN)
# Versions are numbered from 1; a template stops taking new ones at the last, so a version
# number always fits what clients (and the API's parameters) accept.
MAX_VERSION = 1_000_000
DEFINITION_KEYS = {"name", "description", "category", "variables_schema", "rules", "body",
                   "terms", "validity", "example"}
MAX_DEFINITION_BYTES = 128 * 1024  # canonical JSON; what a version's object may hold
MAX_NAME = 200


@dataclass(frozen=True)
class TemplateVersion:
    id: str
    version: int
    definition: dict[str, Any]

    @property
    def content_hash(self) -> str:
        return digest_of(self.definition)

    @property
    def name(self) -> str:
        return self.definition["name"]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "content_hash": self.content_hash,
                **self.definition}

    def reference(self) -> dict[str, Any]:
        """What a contract made from this version pins (inside its digested metadata)."""
        return {"id": self.id, "version": self.version, "content_hash": self.content_hash}

    # ------------------------------------------------------------ using a version

    def check_variables(self, variables: Any, limits: RenderLimits = DEFAULT_LIMITS) -> None:
        """Every bad field at once, each with a JSON pointer (ValidationFailed), within the
        render's budget (RenderLimitExceeded)."""
        with metered(limits):
            problems = _variable_problems(self.definition, variables)
        if problems:
            raise ValidationFailed(f"the variables do not fit template {self.id} "
                                   f"v{self.version}", _prefixed(problems, "/variables"))

    def render(self, variables: dict[str, Any], limits: RenderLimits = DEFAULT_LIMITS) -> str:
        """The document's Markdown: the variables checked, then the body run, both within
        one budget of ``limits`` (RenderLimitExceeded past it)."""
        with metered(limits) as budget:
            budget.size_of(variables)  # measured once: every part's size is then known
            self.check_variables(variables)
            return self._run_body(variables)

    def _run_body(self, variables: dict[str, Any]) -> str:
        try:
            return render(self.definition["body"], variables)
        except TemplateBodyError as error:
            raise ValidationFailed(f"template {self.id} v{self.version} cannot render these "
                                   "variables", [{"pointer": "/variables",
                                                  "message": str(error)}]) from None

    def terms_for(self, variables: dict[str, Any]) -> dict[str, Any]:
        return _mapped(self.definition["terms"], variables)

    def validity_for(self, variables: dict[str, Any]) -> tuple[str, str]:
        """valid_from and valid_until: a date starts at 00:00Z; an end date is inclusive.
        ValidationFailed (pointing at the variable) if one cannot be a moment in time."""
        instants = []
        for key, inclusive in (("from", False), ("until", True)):
            pointer = self.definition["validity"][key]
            try:
                instants.append(_instant(resolve(variables, pointer), inclusive_end=inclusive))
            except (ValueError, OverflowError) as error:
                raise ValidationFailed(f"template {self.id} v{self.version}: the validity "
                                       "cannot be derived", [
                                           {"pointer": "/variables" + pointer,
                                            "message": str(error)}]) from None
        return instants[0], instants[1]

    # ------------------------------------------------------------ defining a version

    @classmethod
    def define(cls, template_id: str, version: int, definition: Any,
               limits: RenderLimits = DEFAULT_LIMITS) -> TemplateVersion:
        """A checked version, or TemplateInvalid listing every problem. Checking it, and
        rendering its example, each stay within a render's ``limits``: a version whose own
        example goes past them is refused."""
        try:
            with metered(limits):
                problems = _definition_problems(template_id, definition)
        except RenderLimitExceeded as error:
            problems = [{"pointer": "/variables_schema", "message": f"checking it: {error}"}]
        if problems:
            raise TemplateInvalid(f"template {template_id} v{version} is not valid", problems)
        made = cls(template_id, version, definition)
        with metered(limits):
            made._check_example(definition["example"])
        return made

    def _check_example(self, example: Any) -> None:
        try:
            problems = _variable_problems(self.definition, example)
        except RenderLimitExceeded as error:
            raise TemplateInvalid("the example goes past a render's limits", [
                {"pointer": "/variables_schema", "message": f"applying it to the example: "
                                                            f"{error}"}]) from None
        if problems:
            raise TemplateInvalid("the example does not satisfy the template's own variables",
                                  _prefixed(problems, "/example"))
        made, definition = self, self.definition
        try:
            render(definition["body"], example)
            made.terms_for(example)
            made.validity_for(example)
        except ValidationFailed as error:
            raise TemplateInvalid("the example gives no validity window", [
                {**problem, "pointer": "/example" + problem["pointer"].removeprefix(
                    "/variables")} for problem in error.extra["errors"]]) from None
        except (TemplateBodyError, ValueError) as error:
            raise TemplateInvalid("the body does not render with the example",
                                  [{"pointer": "/body", "message": str(error)}]) from None
        except RenderLimitExceeded as error:
            raise TemplateInvalid("the example goes past a render's limits", [
                {"pointer": "/body", "message": f"rendering the example: {error}"}]) from None


def _variable_problems(definition: dict[str, Any], variables: Any) -> list[Problem]:
    problems = schema_problems(definition["variables_schema"], variables)
    # Rules read typed values: they run only once the schema holds.
    return problems or rule_problems(definition["rules"], variables)


def _definition_problems(template_id: str, definition: Any) -> list[Problem]:
    if not TEMPLATE_ID.fullmatch(template_id or ""):
        return [{"pointer": "/id", "message": "3-64 characters: a-z, 0-9 and _, starting with "
                                              "a letter"}]
    if not isinstance(definition, dict):
        return [{"pointer": "", "message": "a template version is a JSON object"}]
    problems = [{"pointer": f"/{key}", "message": "required"}
                for key in sorted(DEFINITION_KEYS - set(definition))]
    problems += [{"pointer": f"/{key}", "message": "unknown field"}
                 for key in sorted(set(definition) - DEFINITION_KEYS)]
    if problems:
        return problems
    if len(canonical_json(definition)) > MAX_DEFINITION_BYTES:
        return [{"pointer": "", "message": f"larger than {MAX_DEFINITION_BYTES} bytes"}]
    return [*_text_problems(definition), *schema_definition_problems(
        definition["variables_schema"]), *_rules_problems(definition["rules"]),
        *_body_problems(definition["body"]), *_shape_problems(definition)]


def _text_problems(definition: dict[str, Any]) -> list[Problem]:
    problems = []
    for key in ("name", "category"):
        if not isinstance(definition[key], str) or not 1 <= len(definition[key]) <= MAX_NAME:
            problems.append({"pointer": f"/{key}", "message": f"1-{MAX_NAME} characters"})
    if not isinstance(definition["description"], str):
        problems.append({"pointer": "/description", "message": "must be a string"})
    return problems


def _rules_problems(rules: Any) -> list[Problem]:
    if not isinstance(rules, list):
        return [{"pointer": "/rules", "message": "must be an array"}]
    return [problem for index, rule in enumerate(rules)
            for problem in rule_definition_problems(rule, f"/rules/{index}")]


def _body_problems(body: Any) -> list[Problem]:
    try:
        check_body(body)
    except TemplateBodyError as error:
        return [{"pointer": "/body", "message": str(error)}]
    return []


def _shape_problems(definition: dict[str, Any]) -> list[Problem]:
    problems = []
    if not isinstance(definition["terms"], dict):
        problems.append({"pointer": "/terms", "message": "must be an object (the mapping "
                                                        "into contract terms)"})
    problems += [{"pointer": f"/terms{where}/$var", "message": "must be a JSON pointer string"}
                 for where, pointer in _variable_references(definition["terms"], "")
                 if not isinstance(pointer, str)]
    validity = definition["validity"]
    if not (isinstance(validity, dict) and set(validity) == {"from", "until"}
            and all(isinstance(v, str) for v in validity.values())):
        problems.append({"pointer": "/validity", "message": 'must be {"from": pointer, '
                                                           '"until": pointer}'})
    if not isinstance(definition["example"], dict):
        problems.append({"pointer": "/example", "message": "must be an object of variables"})
    return problems


def _prefixed(problems: list[Problem], prefix: str) -> list[Problem]:
    return [{**problem, "pointer": prefix + problem["pointer"]} for problem in problems]


# A terms leaf: ``{"$var": pointer}``, or with ``"default"``: the term's value when the
# variable is absent (a term every contract then states, such as ai_training's
# trained_models, while callers may leave the variable out).
VARIABLE_LEAVES = ({"$var"}, {"$var", "default"})


def _variable_references(mapping: Any, where: str) -> list[tuple[str, Any]]:
    """Every ``{"$var": pointer}`` in a terms mapping, with where it is."""
    if isinstance(mapping, dict):
        if set(mapping) in VARIABLE_LEAVES:
            return [(where, mapping["$var"])]
        return [found for key, value in mapping.items()
                for found in _variable_references(value, f"{where}/{_escaped(key)}")]
    if isinstance(mapping, list):
        return [found for index, value in enumerate(mapping)
                for found in _variable_references(value, f"{where}/{index}")]
    return []


def _escaped(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _mapped(mapping: Any, variables: Any) -> Any:
    """Mapping values ``{"$var": pointer}`` become the variable (absent: its ``default``, or
    left out)."""
    if isinstance(mapping, dict):
        if set(mapping) in VARIABLE_LEAVES:
            value = resolve(variables, mapping["$var"])
            return mapping.get("default", ABSENT) if value is ABSENT else value
        mapped = {key: _mapped(value, variables) for key, value in mapping.items()}
        return {key: value for key, value in mapped.items() if value is not ABSENT}
    if isinstance(mapping, list):
        return [item for item in (_mapped(value, variables) for value in mapping)
                if item is not ABSENT]
    return mapping


def _instant(value: Any, *, inclusive_end: bool) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a date or date-time (the validity is derived from it)")
    if len(value) == 10:
        try:
            day = date.fromisoformat(value) + timedelta(days=1 if inclusive_end else 0)
        except OverflowError:
            raise ValueError("the date is out of range") from None
        return f"{day.isoformat()}T00:00:00.000Z"
    # A variable takes any ISO 8601 the API's inputs take; the content holds its normal form.
    return iso_utc(parse_iso(value))
