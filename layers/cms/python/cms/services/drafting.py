"""Drafting contracts from templates: variables → terms, validity and the rendered document
(stored in S3 before the contract that names it is written), and render previews."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from cms.adapters.document_store import DocumentStore
from cms.domain.canonical import iso_utc, parse_iso, utc_now
from cms.domain.contracts import Content
from cms.domain.contracts.ranges import VALIDITY_HORIZON, validity_errors
from cms.domain.drafting import (
    DOCUMENT_KEY,
    TEMPLATE_KEY,
    TemplateDraft,
    check_client_metadata,
    check_template_changes,
    template_of,
    with_platform_metadata,
)
from cms.domain.errors import ValidationFailed
from cms.domain.templates.budget import DEFAULT_LIMITS, RenderBudget, RenderLimits, metering
from cms.domain.templates.model import TemplateVersion

if TYPE_CHECKING:
    from cms.domain.documents import RenderedDocument
from cms.services.templates import TemplateService, converted


class DraftingService:
    def __init__(self, templates: TemplateService, documents: DocumentStore,
                 clock: Callable[[], datetime] = utc_now, *,
                 horizon_days: int = VALIDITY_HORIZON.days,
                 limits: RenderLimits = DEFAULT_LIMITS) -> None:
        self._templates = templates
        self._documents = documents
        self._clock = clock
        self._horizon = timedelta(days=horizon_days)
        self._limits = limits

    def draft(self, contract_id: str, provider_did: str, draft: TemplateDraft) -> Content:
        """The content of a new contract, its document already stored."""
        check_client_metadata(draft.metadata)
        template = self._templates.get(draft.template_id, draft.template_version).template
        content = Content(title=draft.title or template.name, description=draft.description,
                          provider_did=provider_did, consumer_did=draft.consumer_did,
                          terms={}, metadata=dict(draft.metadata or {}), valid_from="",
                          valid_until="")
        return self._rendered(contract_id, content, template, draft.variables)

    def redraft(self, contract_id: str, content: Content,
                changes: dict[str, Any]) -> dict[str, Any]:
        """An edit of a draft as field changes: for a template contract, new variables (or
        a new title) re-derive the terms, validity and document."""
        check_client_metadata(changes.get("metadata"))
        pinned = template_of(content.metadata)
        if "metadata" in changes:
            changes = {**changes, "metadata": with_platform_metadata(
                changes["metadata"], content.metadata)}
        if pinned is None:
            if "variables" in changes:
                raise ValidationFailed("this contract is not made from a template", [
                    {"pointer": "/variables", "message": "only template contracts have "
                                                         "variables"}])
            return changes
        check_template_changes(changes)
        variables = changes.pop("variables", pinned["variables"])
        edited = Content.from_json({**content.to_json(), **changes})
        if variables == pinned["variables"] and edited.title == content.title:
            return changes
        template = self._templates.get(pinned["id"], pinned["version"]).template
        redrawn = self._rendered(contract_id, edited, template, variables)
        return {**changes, "terms": redrawn.terms, "valid_from": redrawn.valid_from,
                "valid_until": redrawn.valid_until, "metadata": redrawn.metadata}

    def _rendered(self, contract_id: str, content: Content, template: TemplateVersion,
                  variables: dict[str, Any]) -> Content:
        from cms.domain.documents import render_document

        with metering(RenderBudget(self._limits)) as budget:
            markdown = template.render(variables)  # checks the variables (schema, rules)
            document = converted(lambda: render_document(
                markdown, title=content.title, issued_at=iso_utc(self._clock()),
                check=budget.check_time))
        made = self._content(content, template, variables, document)
        # Refuse before anything is stored: the content, and the validity's range.
        checked = made.validated()
        errors = validity_errors(parse_iso(checked.valid_from), parse_iso(checked.valid_until),
                                 self._clock(), self._horizon)
        if errors:
            raise ValidationFailed("The template's variables give a validity out of range",
                                   [{**e, "pointer": "/variables"} for e in errors])
        versions = self._documents.put_document(contract_id, document)
        files = {fmt: {**entry, "version": versions[fmt]}
                 for fmt, entry in made.metadata[DOCUMENT_KEY].items()}
        return replace(made, metadata={**made.metadata, DOCUMENT_KEY: files})

    @staticmethod
    def _content(content: Content, template: TemplateVersion, variables: dict[str, Any],
                 document: RenderedDocument) -> Content:
        """The content with its document's files (versions filled in once stored)."""
        valid_from, valid_until = template.validity_for(variables)
        files = {fmt: {"sha256": digest, "size": len(document.content(fmt)), "version": None}
                 for fmt, digest in document.digests().items()}
        metadata = with_platform_metadata(content.metadata, content.metadata, **{
            TEMPLATE_KEY: {**template.reference(), "variables": variables},
            DOCUMENT_KEY: files})
        return Content(title=content.title, description=content.description,
                       provider_did=content.provider_did, consumer_did=content.consumer_did,
                       terms=template.terms_for(variables), metadata=metadata,
                       valid_from=valid_from, valid_until=valid_until)
