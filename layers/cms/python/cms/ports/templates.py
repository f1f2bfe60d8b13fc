"""Template versions: written once each, with an index of every template's latest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from cms.domain.templates.model import TemplateVersion


@dataclass(frozen=True)
class StoredTemplate:
    template: TemplateVersion
    created_at: str
    created_by: str

    def to_json(self) -> dict[str, Any]:
        return {**self.template.to_json(), "created_at": self.created_at,
                "created_by": self.created_by}


@dataclass(frozen=True)
class VersionInfo:
    """What the index holds of a version: enough to list it without reading its definition."""

    template_id: str
    version: int
    name: str
    category: str
    description: str  # the first 1,000 characters
    content_hash: str
    created_at: str
    created_by: str


DESCRIPTION_IN_INDEX = 1000


class TemplateStore(Protocol):
    """A version, once written, never changes; ``add`` raises ``WriteConflict`` when the
    version's number is taken or another version became the latest meanwhile. A stored
    definition that no longer matches its content hash is refused (StoredObjectCorrupt)."""

    def latest(self) -> list[VersionInfo]:
        """Every template's latest version."""

    def versions(self, template_id: str) -> list[VersionInfo]:
        """Every version of a template, oldest first (empty if there is none)."""

    def latest_version(self, template_id: str) -> int | None: ...

    def get(self, template_id: str, version: int) -> StoredTemplate | None: ...

    def add(self, template: TemplateVersion, *, created_at: str, created_by: str) -> None:
        """Record ``template`` as the next version (1 for a new template)."""
