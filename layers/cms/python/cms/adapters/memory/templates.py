"""Template versions in memory (the port: cms.ports.templates): the index in a dict, the
definitions in a bucket as on S3, checked against their content hash on every read."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from cms.adapters.template_objects import LocatedDefinition, load_definition, put_definition
from cms.domain.templates.model import TemplateVersion
from cms.ports.errors import WriteConflict
from cms.ports.objects import ObjectStore
from cms.ports.templates import DESCRIPTION_IN_INDEX, StoredTemplate, VersionInfo


@dataclass(frozen=True)
class _Entry:
    info: VersionInfo
    where: LocatedDefinition


class MemoryTemplateStore:
    def __init__(self, bucket: ObjectStore) -> None:
        self._bucket = bucket
        self._lock = threading.Lock()
        self._versions: dict[str, dict[int, _Entry]] = {}

    def latest(self) -> list[VersionInfo]:
        with self._lock:
            return [versions[max(versions)].info for _, versions in sorted(
                self._versions.items())]

    def versions(self, template_id: str) -> list[VersionInfo]:
        with self._lock:
            versions = self._versions.get(template_id, {})
            return [versions[number].info for number in sorted(versions)]

    def latest_version(self, template_id: str) -> int | None:
        with self._lock:
            versions = self._versions.get(template_id)
            return max(versions) if versions else None

    def get(self, template_id: str, version: int) -> StoredTemplate | None:
        with self._lock:
            entry = self._versions.get(template_id, {}).get(version)
        if entry is None:
            return None
        template = load_definition(self._bucket, entry.where)
        return StoredTemplate(template, entry.info.created_at, entry.info.created_by)

    def add(self, template: TemplateVersion, *, created_at: str, created_by: str) -> None:
        key, object_version = put_definition(self._bucket, template)
        info = VersionInfo(template.id, template.version, template.name,
                           template.definition["category"],
                           template.definition["description"][:DESCRIPTION_IN_INDEX],
                           template.content_hash, created_at, created_by)
        where = LocatedDefinition(template.id, template.version, key, object_version,
                                  template.content_hash)
        with self._lock:
            latest = max(self._versions.get(template.id, {}), default=0)
            if latest != template.version - 1:  # its number is taken, or it is not next
                raise WriteConflict(f"template {template.id} is at v{latest}, not "
                                    f"v{template.version - 1}")
            self._versions.setdefault(template.id, {})[template.version] = _Entry(info, where)
