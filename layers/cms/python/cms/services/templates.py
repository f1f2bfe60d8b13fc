"""Template use cases: the catalogue, versions, admin authoring, previews.

The built-in templates enter the store as version 1 the first time anyone asks for them (a
conditional write, so concurrent first reads agree); from then on the store is the only
source, so an edited built-in file can never change what an existing contract pinned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from cms.domain.canonical import iso_utc, utc_now
from cms.domain.errors import (
    Conflict,
    Forbidden,
    RenderLimitExceeded,
    TemplateExists,
    TemplateNotFound,
)
from cms.domain.identity import Caller
from cms.domain.templates.budget import DEFAULT_LIMITS, RenderBudget, RenderLimits, metering
from cms.domain.templates.builtin import BUILTIN_IDS, builtin_templates
from cms.domain.templates.model import MAX_VERSION, TemplateVersion
from cms.ports.errors import WriteConflict
from cms.ports.templates import StoredTemplate, TemplateStore, VersionInfo

T = TypeVar("T")
BUILTIN_AUTHOR = "system:builtin"
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class PinnedVersion:
    """What a contract made from a version pins (inside its digested metadata)."""

    id: str
    version: int
    content_hash: str


@dataclass(frozen=True)
class Preview:
    template: PinnedVersion
    terms: dict[str, Any]  # free-form: the template's mapping of the variables
    valid_from: str
    valid_until: str
    markdown: str
    html: str


class TemplateService:
    def __init__(self, store: TemplateStore, clock: Callable[[], datetime] = utc_now,
                 limits: RenderLimits = DEFAULT_LIMITS) -> None:
        self._store = store
        self._clock = clock
        self.limits = limits  # what one render may spend (cms.domain.templates.budget)

    # ------------------------------------------------------------ reads

    def catalogue(self) -> list[VersionInfo]:
        """Every template's latest version (built-ins seeded on the first look)."""
        latest = self._store.latest()
        missing = set(BUILTIN_IDS) - {info.template_id for info in latest}
        for template_id in sorted(missing):
            self._seed(template_id)
        if missing:
            latest = self._store.latest()
        return sorted(latest, key=lambda info: info.template_id)

    def get(self, template_id: str, version: int | None = None) -> StoredTemplate:
        """A version (default: the latest); TemplateNotFound if there is none."""
        number = version if version is not None else self._store.latest_version(template_id)
        stored = None if number is None else self._store.get(template_id, number)
        if stored is not None:
            return stored
        if template_id in BUILTIN_IDS and number in (None, 1):
            return self._seed(template_id)
        return self._missing(template_id, version)

    def versions(self, template_id: str) -> list[VersionInfo]:
        found = self._store.versions(template_id)
        if not found and template_id in BUILTIN_IDS:
            self._seed(template_id)
            found = self._store.versions(template_id)
        if not found:
            self._missing(template_id, None)
        return found

    def preview(self, template_id: str, version: int | None,
                variables: dict[str, Any]) -> Preview:
        """What a contract made now would get: terms, validity and document (ValidationFailed
        if the variables do not fit, RenderLimitExceeded past the render's limits). Nothing
        is stored."""
        from cms.domain.documents import render_html

        template = self.get(template_id, version).template
        with metering(RenderBudget(self.limits)) as budget:
            markdown = template.render(variables)  # checks the variables (schema, rules)
            valid_from, valid_until = template.validity_for(variables)
            html = converted(lambda: render_html(markdown, title=template.name,
                                                 issued_at=iso_utc(self._clock()),
                                                 check=budget.check_time))
        pinned = PinnedVersion(template.id, template.version, template.content_hash)
        return Preview(template=pinned, terms=template.terms_for(variables),
                       valid_from=valid_from, valid_until=valid_until, markdown=markdown,
                       html=html)

    # ------------------------------------------------------------ admin writes

    def create(self, caller: Caller, template_id: str, definition: Any) -> StoredTemplate:
        _require_admin(caller)
        template = TemplateVersion.define(template_id, 1, definition, self.limits)
        if template_id in BUILTIN_IDS or self._store.latest_version(template_id) is not None:
            raise TemplateExists(f"template {template_id} exists; PUT adds a version")
        try:
            return self._add(template, caller.did)
        except WriteConflict:
            raise TemplateExists(f"template {template_id} exists; PUT adds a version") from None

    def revise(self, caller: Caller, template_id: str, definition: Any,
               base_version: int | None = None) -> tuple[StoredTemplate, bool]:
        """A new version (True), or the latest when it is identical (False, nothing written).
        ``base_version``: refuse (409) unless it is still the latest."""
        _require_admin(caller)
        for _ in range(MAX_ATTEMPTS):
            latest = self.get(template_id)
            number = latest.template.version
            if base_version is not None and base_version != number:
                raise Conflict(f"template {template_id} is at v{number}, not "
                               f"v{base_version}", latest_version=number)
            template = TemplateVersion.define(template_id, number + 1, definition,
                                              self.limits)
            if template.content_hash == latest.template.content_hash:
                return latest, False
            if number >= MAX_VERSION:
                raise Conflict(f"template {template_id} has reached v{MAX_VERSION}, its last "
                               "version: create a new template", latest_version=number)
            try:
                return self._add(template, caller.did), True
            except WriteConflict:
                if base_version is not None:
                    raise Conflict(f"template {template_id} changed concurrently") from None
        raise Conflict(f"template {template_id} changed concurrently too many times; retry")

    # ------------------------------------------------------------ helpers

    def _add(self, template: TemplateVersion, author: str) -> StoredTemplate:
        created_at = iso_utc(self._clock())
        self._store.add(template, created_at=created_at, created_by=author)
        return StoredTemplate(template, created_at, author)

    def _seed(self, template_id: str) -> StoredTemplate:
        try:
            return self._add(builtin_templates()[template_id], BUILTIN_AUTHOR)
        except WriteConflict:  # seeded concurrently: read what won
            stored = self._store.get(template_id, 1)
            if stored is None:
                raise Conflict(f"template {template_id} is being created; retry") from None
            return stored

    @staticmethod
    def _missing(template_id: str, version: int | None) -> Any:
        which = f"template {template_id}" + (f" v{version}" if version is not None else "")
        raise TemplateNotFound(f"no {which}", template_id=template_id, version=version)


def converted(convert: Callable[[], T]) -> T:
    """A document conversion (Markdown to HTML or PDF) whose refusal (Markdown nested past
    what it renders, or too large) is the render's limit, not a server error."""
    try:
        return convert()
    except ValueError as error:
        raise RenderLimitExceeded(f"the rendered document cannot be converted: {error}",
                                  "document") from None


def _require_admin(caller: Caller) -> None:
    if not caller.is_admin:
        raise Forbidden("only administrators may author templates")
