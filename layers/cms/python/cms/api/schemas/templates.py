"""Templates: the catalogue, versions and their definitions, previews."""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, with_config
from typing_extensions import TypedDict  # pydantic needs its TypedDict before Python 3.12

from cms.api.schemas.common import Instant, JsonObject, Sha256Hex
from cms.domain.templates.model import MAX_NAME, MAX_VERSION, TEMPLATE_ID_PATTERN
from cms.domain.templates.rendering import MAX_BODY_CHARS
from cms.domain.templates.rules import MAX_MESSAGE

TemplateId = Annotated[str, Field(min_length=3, max_length=64, pattern=TEMPLATE_ID_PATTERN,
                                  description="3-64 characters: a-z, 0-9 and _, starting "
                                              "with a letter")]
VersionNumber = Annotated[int, Field(ge=1, le=MAX_VERSION)]
Pointer = Annotated[str, Field(description="A JSON pointer into the variables (RFC 6901), "
                                           "e.g. /start_date")]
RuleMessage = Annotated[str, Field(max_length=MAX_MESSAGE,
                                   description="What the caller is told when the rule fails")]
Author = Annotated[str, Field(description="The admin's DID, or system:builtin")]

# Cross-field rules: exactly the members each kind has (the domain refuses any other), as
# TypedDicts so that an optional member left out stays out of a version's content.
_EXACT = ConfigDict(extra="forbid", strict=True)


@with_config(_EXACT)
class BeforeRule(TypedDict):
    """The value at ``first`` is before the value at ``then`` (dates, date-times or
    numbers)."""

    rule: Literal["before"]
    first: Pointer
    then: Pointer
    message: NotRequired[RuleMessage]


@with_config(_EXACT)
class BelowReciprocalRule(TypedDict):
    """The number at ``path`` is below 1/n, n being the number at ``of`` or the sum of a
    field over a list, ``of_sum: [items pointer, field]`` (exactly one of the two)."""

    rule: Literal["below_reciprocal"]
    path: Pointer
    of: NotRequired[Pointer]
    of_sum: NotRequired[Annotated[tuple[Pointer, str], Field(strict=False)]]  # a JSON array
    message: NotRequired[RuleMessage]


@with_config(_EXACT)
class SumEqualsRule(TypedDict):
    """The ``field`` of every item at ``items`` adds up to the number at ``total``."""

    rule: Literal["sum_equals"]
    items: Pointer
    field: str
    total: Pointer
    message: NotRequired[RuleMessage]


# "from" is a Python keyword: the functional form names it.
EachWithinRule = with_config(_EXACT)(TypedDict("EachWithinRule", {
    "rule": Literal["each_within"], "items": Pointer, "field": str, "from": Pointer,
    "until": Pointer, "message": NotRequired[RuleMessage]}))
EachWithinRule.__doc__ = ("The ``field`` of every item at ``items`` lies between the values "
                          "at ``from`` and ``until``.")


@with_config(_EXACT)
class UniqueRule(TypedDict):
    """No two items at ``items`` have the same ``field``."""

    rule: Literal["unique"]
    items: Pointer
    field: str
    message: NotRequired[RuleMessage]


def _rule_kind(value: Any) -> str | None:
    return f"rule:{value.get('rule')}" if isinstance(value, dict) else None


# Tagged "rule:<kind>", not "<kind>": a tag is part of a validation error's location, and
# problem pointers leave out the parts that are not member names.
TemplateRule = Annotated[
    Annotated[BeforeRule, Tag("rule:before")]
    | Annotated[BelowReciprocalRule, Tag("rule:below_reciprocal")]
    | Annotated[SumEqualsRule, Tag("rule:sum_equals")]
    | Annotated[EachWithinRule, Tag("rule:each_within")]
    | Annotated[UniqueRule, Tag("rule:unique")],
    Discriminator(_rule_kind, custom_error_type="rule_kind",
                  custom_error_message="'rule' must be one of before, below_reciprocal, "
                                       "sum_equals, each_within, unique")]

TemplateValidity = with_config(_EXACT)(TypedDict("TemplateValidity", {
    "from": Pointer, "until": Pointer}))
TemplateValidity.__doc__ = ("Where a contract's validity comes from: the variables holding "
                            "its first and last day (or instant); an end date is inclusive.")


class TemplateContent(BaseModel):
    """A version's content: what its content hash covers and a contract pins."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    description: str
    category: str = Field(min_length=1, max_length=MAX_NAME)
    variables_schema: JsonObject = Field(description=(
        'A JSON Schema (2020-12) with "type": "object" for the variables; only local $refs'))
    rules: list[TemplateRule] = Field(description="Cross-field rules the schema cannot say")
    body: str = Field(min_length=1, max_length=MAX_BODY_CHARS, description=(
        "Markdown with Jinja syntax, rendered in a sandbox: variables, if, for over the "
        "variables, comparisons, arithmetic and a few filters; no calls, macros or includes"))
    terms: JsonObject = Field(description=(
        'The contract terms: any JSON, where {"$var": pointer} stands for a variable'))
    validity: TemplateValidity
    example: JsonObject = Field(description="Variables that satisfy the schema and the rules "
                                            "(the body must render with them)")


_EXAMPLE: dict[str, Any] = {
    "name": "Mutual NDA", "description": "Confidentiality between two parties.",
    "category": "confidentiality",
    "variables_schema": {
        "type": "object", "additionalProperties": False,
        "required": ["start_date", "end_date", "jurisdiction"],
        "properties": {"start_date": {"type": "string", "format": "date"},
                       "end_date": {"type": "string", "format": "date"},
                       "jurisdiction": {"type": "string", "minLength": 2, "maxLength": 64}}},
    "rules": [{"rule": "before", "first": "/start_date", "then": "/end_date",
               "message": "must be after the start date"}],
    "body": "# Mutual NDA\n\nUnder the law of {{ jurisdiction }}, from {{ start_date }} to "
            "{{ end_date }}.\n",
    "terms": {"jurisdiction": {"$var": "/jurisdiction"}, "start_date": {"$var": "/start_date"},
              "end_date": {"$var": "/end_date"}},
    "validity": {"from": "/start_date", "until": "/end_date"},
    "example": {"start_date": "2027-01-01", "end_date": "2027-12-31", "jurisdiction": "EU"},
}
TEMPLATE_EXAMPLE = {"id": "mutual_nda", **_EXAMPLE}


class TemplateDefinition(TemplateContent):
    """A new version's content. What a GET answers besides it (``id``, ``version``,
    ``content_hash``, ``created_at``, ``created_by``) is accepted and ignored, so a fetched
    version can be edited and sent back as it is."""

    model_config = ConfigDict(extra="forbid", strict=True,
                              json_schema_extra={"examples": [_EXAMPLE]})
    id: TemplateId | None = Field(default=None, description="Ignored")
    version: VersionNumber | None = Field(default=None, description="Ignored")
    content_hash: Sha256Hex | None = Field(default=None, description="Ignored")
    created_at: str | None = Field(default=None, max_length=64, description="Ignored")
    created_by: str | None = Field(default=None, max_length=2048, description="Ignored")

    def content(self) -> dict[str, Any]:
        """The definition as sent: optional rule members left out stay out."""
        return self.model_dump(mode="json", include=set(TemplateContent.model_fields),
                               exclude_unset=True)


class NewTemplate(TemplateDefinition):
    """A new template: its id and the content of its version 1."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        TEMPLATE_EXAMPLE]})
    id: TemplateId


class TemplateVersion(TemplateContent):
    """One version of a template, as stored: never changed once written."""

    id: TemplateId
    version: VersionNumber
    content_hash: Sha256Hex = Field(description="SHA-256 of the content's RFC 8785 JSON")
    created_at: Instant
    created_by: Author


class TemplateSummary(BaseModel):
    """A version without its content (the catalogue's and the version list's items)."""

    template_id: TemplateId
    version: VersionNumber
    name: str
    category: str
    description: str = Field(description="Its first 1,000 characters")
    content_hash: Sha256Hex
    created_at: Instant
    created_by: Author


class TemplateCatalogue(BaseModel):
    items: list[TemplateSummary] = Field(description="Each template's latest version, by id")


class TemplateVersions(BaseModel):
    items: list[TemplateSummary] = Field(description="Every version, oldest first")


class TemplatePreviewRequest(BaseModel):
    """Variables to preview a contract with (nothing is stored)."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [{
        "variables": {"start_date": "2027-01-01", "end_date": "2027-12-31",
                      "jurisdiction": "EU", "regulations": ["GDPR"],
                      "audit_frequency": "quarterly", "data_residency": ["EU"],
                      "breach_notification_hours": 72, "dpo_contact": "dpo@example.com"}}]})
    variables: JsonObject = Field(description="They must fit the version's schema and rules")
    version: VersionNumber | None = Field(default=None, description="Default: the latest")


class TemplatePin(BaseModel):
    """The version a contract made from it pins."""

    id: TemplateId
    version: VersionNumber
    content_hash: Sha256Hex


class TemplatePreview(BaseModel):
    """What a contract made now from these variables would get."""

    template: TemplatePin
    terms: JsonObject
    valid_from: Instant
    valid_until: Instant
    markdown: str
    html: str = Field(description="The document as a self-contained HTML page")
