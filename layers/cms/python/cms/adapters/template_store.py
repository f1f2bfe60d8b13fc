"""Template versions: definitions as content-addressed objects in a versioned S3 bucket, and
an index table (version items plus a head item per template naming the latest).

A version's object is written before its index item, so the index never names a missing
object; a failed write leaves at most an unreferenced object. Every read checks the object
against the content hash in the index, so a replaced or edited object is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cms.adapters.dynamo import get_or_none, transaction, unavailable_on_connection_errors
from cms.adapters.object_store import Bucket
from cms.adapters.tables import TemplateRecord
from cms.domain.canonical import canonical_json
from cms.domain.errors import StoredObjectCorrupt
from cms.domain.strict_json import loads as strict_loads
from cms.domain.templates.model import MAX_DEFINITION_BYTES, TemplateVersion

HEAD = 0  # the head item's range key; real versions start at 1
HEAD_KEY = "head"


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
    template_id: str
    version: int
    name: str
    category: str
    description: str
    content_hash: str
    created_at: str
    created_by: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def of(cls, record: TemplateRecord, version: int) -> VersionInfo:
        return cls(record.template_id, version, record.name, record.category,
                   record.description, record.content_hash, record.created_at,
                   record.created_by)


class TemplateStore:
    def __init__(self, bucket: Bucket) -> None:
        self._bucket = bucket

    def latest(self) -> list[VersionInfo]:
        """Every template's latest version, by id."""
        def query() -> list[TemplateRecord]:
            return list(TemplateRecord.heads.query(HEAD_KEY))

        return [VersionInfo.of(head, int(head.latest))
                for head in unavailable_on_connection_errors(query)]

    def versions(self, template_id: str) -> list[VersionInfo]:
        def query() -> list[TemplateRecord]:
            return list(TemplateRecord.query(template_id, TemplateRecord.version > HEAD,
                                             consistent_read=True))

        return [VersionInfo.of(record, int(record.version))
                for record in unavailable_on_connection_errors(query)]

    def latest_version(self, template_id: str) -> int | None:
        head = self._record(template_id, HEAD)
        return None if head is None else int(head.latest)

    def get(self, template_id: str, version: int) -> StoredTemplate | None:
        record = self._record(template_id, version)
        if record is None:
            return None
        template = _load(self._bucket, _Located(template_id, version, record.object_key,
                                                record.object_version, record.content_hash))
        return StoredTemplate(template, record.created_at, record.created_by)

    def add(self, template: TemplateVersion, *, created_at: str, created_by: str) -> None:
        """Record ``template`` as the next version. WriteConflict if its number is taken
        or another version became the latest meanwhile (the caller decides the next number
        again)."""
        body = canonical_json(template.definition)
        key = f"templates/{template.id}/{template.content_hash}.json"
        object_version = self._bucket.put(key, body, "application/json")
        fields = {"name": template.name, "category": template.definition["category"],
                  "description": template.definition["description"][:1000],
                  "content_hash": template.content_hash, "object_key": key,
                  "object_version": object_version, "created_at": created_at,
                  "created_by": created_by}
        item = TemplateRecord(template.id, template.version, **fields)
        head = TemplateRecord(template.id, HEAD, latest=template.version, head=HEAD_KEY,
                              **fields)
        previous = (TemplateRecord.latest == template.version - 1 if template.version > 1
                    else TemplateRecord.template_id.does_not_exist())
        with transaction() as tx:
            tx.save(item, condition=TemplateRecord.template_id.does_not_exist())
            tx.save(head, condition=previous)

    def _record(self, template_id: str, version: int) -> TemplateRecord | None:
        return get_or_none(TemplateRecord, template_id, version)


@dataclass(frozen=True)
class _Located:
    template_id: str
    version: int
    key: str
    object_version: str | None
    content_hash: str


@lru_cache(maxsize=128)
def _load(bucket: Bucket, where: _Located) -> TemplateVersion:
    """Versions are immutable: a container reads and checks each one once."""
    template_id, version, content_hash = where.template_id, where.version, where.content_hash
    try:
        stored = bucket.get(where.key, where.object_version,
                            max_bytes=MAX_DEFINITION_BYTES * 2)
    except KeyError:
        raise StoredObjectCorrupt(f"template {template_id} v{version}: its object is "
                                  "missing") from None
    try:
        definition = strict_loads(stored.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        definition = None
    template = TemplateVersion(template_id, version, definition)
    if not isinstance(definition, dict) or template.content_hash != content_hash:
        raise StoredObjectCorrupt(f"template {template_id} v{version} does not match its "
                                  "recorded content hash")
    return template
