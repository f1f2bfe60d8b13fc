"""Template definitions as objects: content-addressed, written before the index names them,
and checked against the index's content hash on every read (whatever index holds it: DynamoDB,
or the in-memory one)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cms.domain.canonical import canonical_json
from cms.domain.errors import StoredObjectCorrupt
from cms.domain.strict_json import loads as strict_loads
from cms.domain.templates.model import MAX_DEFINITION_BYTES, TemplateVersion
from cms.ports.objects import ObjectStore


@dataclass(frozen=True)
class LocatedDefinition:
    """Where the index says a version's definition is, and what it must hash to."""

    template_id: str
    version: int
    key: str
    object_version: str | None
    content_hash: str


def put_definition(bucket: ObjectStore, template: TemplateVersion) -> tuple[str, str | None]:
    """Write the version's definition; its key and object version."""
    key = f"templates/{template.id}/{template.content_hash}.json"
    return key, bucket.put(key, canonical_json(template.definition), "application/json")


@lru_cache(maxsize=128)
def load_definition(bucket: ObjectStore, where: LocatedDefinition) -> TemplateVersion:
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
