"""Contracts drafted from templates on in-memory stores: the variables give the terms, the
validity and the rendered document, stored before the contract that names it; edits redraw."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from cms.domain.contracts import Status
from cms.domain.drafting import TemplateDraft
from cms.domain.errors import RenderLimitExceeded, TemplateNotFound, ValidationFailed
from cms.domain.templates.budget import RenderLimits
from cms.domain.templates.builtin import builtin_templates
from cms.domain.templates.model import TemplateVersion
from cms.services.drafting import DraftingService
from tests.unit.services.contract_world import World

TEMPLATE = "data_sharing"


@dataclass
class Found:
    template: TemplateVersion


class BuiltinTemplates:
    """The template service's reads, for the built-in templates (its store is tested apart)."""

    def __init__(self) -> None:
        self.versions = builtin_templates()

    def get(self, template_id: str, version: int | None = None) -> Found:
        if template_id not in self.versions or version not in (None, 1):
            raise TemplateNotFound(f"no template {template_id} v{version}")
        return Found(self.versions[template_id])


@pytest.fixture
def world() -> World:
    world = World()
    s = world.services
    s.__dict__["drafting"] = DraftingService(BuiltinTemplates(), s._document_store,
                                             clock=world.clock)
    return world


def variables(world, **changes):
    example = dict(builtin_templates()[TEMPLATE].to_json()["example"])
    start = world.clock.now.date() + timedelta(days=1)
    return {**example, "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=365)).isoformat(), **changes}


def drafted(world, provider, consumer, **changes):
    return world.contracts.create_from_template(provider.caller, TemplateDraft(
        template_id=TEMPLATE, template_version=None, variables=variables(world, **changes),
        consumer_did=consumer.did))


def test_a_template_gives_terms_validity_and_a_stored_document(world, parties):
    provider, consumer = parties
    contract = drafted(world, provider, consumer)
    content = contract.content
    assert contract.status == Status.DRAFT
    assert content.title == builtin_templates()[TEMPLATE].name
    assert content.valid_from.startswith(variables(world)["start_date"])
    assert content.metadata["template"]["id"] == TEMPLATE
    files = content.metadata["document"]
    assert set(files) == {"markdown", "html", "pdf"}
    link = world.services.documents.document(consumer.caller, contract.id, "markdown")
    bucket = world.services.bucket("CMS_DOCUMENTS_BUCKET")
    stored = bucket.get(f"contracts/{contract.id}/document/{link.sha256}.md",
                        files["markdown"]["version"])
    assert len(stored.body) == link.size == files["markdown"]["size"]


def test_new_variables_redraw_the_terms_and_the_document(world, parties):
    provider, consumer = parties
    contract = drafted(world, provider, consumer)
    before = contract.content.metadata["document"]["markdown"]["sha256"]
    edited = world.contracts.update(provider.caller, contract.id,
                                    {"variables": variables(world, jurisdiction="EU")})
    assert edited.content.metadata["document"]["markdown"]["sha256"] != before
    assert edited.content.metadata["template"]["variables"]["jurisdiction"] == "EU"
    with pytest.raises(ValidationFailed):  # derived from the variables, not edited
        world.contracts.update(provider.caller, contract.id, {"terms": {"x": 1}})


def test_variables_belong_to_template_contracts_only(world, parties):
    provider, consumer = parties
    contract = world.draft(provider, consumer)
    with pytest.raises(ValidationFailed) as refused:
        world.contracts.update(provider.caller, contract.id, {"variables": {}})
    assert refused.value.extra["errors"][0]["pointer"] == "/variables"


@pytest.mark.parametrize("changes", [
    {"start_date": "1999-01-01", "end_date": "2030-01-01"},
    {"end_date": "2999-12-31"},
])
def test_a_validity_out_of_range_is_refused_before_anything_is_stored(world, parties, changes):
    provider, consumer = parties
    with pytest.raises(ValidationFailed) as refused:
        drafted(world, provider, consumer, **changes)
    assert refused.value.extra["errors"][0]["pointer"] == "/variables"
    bucket = world.services.bucket("CMS_DOCUMENTS_BUCKET")
    assert bucket._versions == {}  # no orphaned renderings
    assert world.contracts.list(provider.caller).items == []


def test_an_unknown_template_is_not_found(world, parties):
    provider, consumer = parties
    with pytest.raises(TemplateNotFound):
        world.contracts.create_from_template(provider.caller, TemplateDraft(
            template_id="no_such_template", template_version=None, variables={},
            consumer_did=consumer.did))


# ---------------------------------------------------------------- a render's limits


def test_a_render_past_its_limits_is_refused_before_anything_is_stored(world, parties):
    provider, consumer = parties
    s = world.services
    s.__dict__["drafting"] = DraftingService(BuiltinTemplates(), s._document_store,
                                             clock=world.clock,
                                             limits=RenderLimits(operations=50))
    with pytest.raises(RenderLimitExceeded) as refused:
        drafted(world, provider, consumer)
    assert refused.value.limit == "operations"
    assert s.bucket("CMS_DOCUMENTS_BUCKET")._versions == {}
    assert world.contracts.list(provider.caller).items == []


def test_markdown_the_converter_refuses_is_a_render_limit_not_a_crash(world, parties):
    # A variable of ">>>>…" nests quotes past what the converter renders: it used to escape
    # as a bare ValueError (a 500).
    provider, consumer = parties
    datasets = [{**variables(world)["datasets"][0], "name": "x\n" + ">" * 60}]
    with pytest.raises(RenderLimitExceeded) as refused:
        drafted(world, provider, consumer, datasets=datasets)
    assert refused.value.limit == "document"
    assert world.contracts.list(provider.caller).items == []
