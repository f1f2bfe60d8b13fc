"""Template versions: definitions as content-addressed objects in a versioned S3 bucket, and
an index table (version items plus a head item per template naming the latest).

A version's object is written before its index item, so the index never names a missing
object; a failed write leaves at most an unreferenced object. Every read checks the object
against the content hash in the index, so a replaced or edited object is refused.
"""

from __future__ import annotations

from cms.adapters.dynamo import get_or_none, transaction, unavailable_on_connection_errors
from cms.adapters.tables import TemplateRecord
from cms.adapters.template_objects import LocatedDefinition, load_definition, put_definition
from cms.domain.templates.model import TemplateVersion
from cms.ports.objects import ObjectStore
from cms.ports.templates import DESCRIPTION_IN_INDEX, StoredTemplate, VersionInfo

HEAD = 0  # the head item's range key; real versions start at 1
HEAD_KEY = "head"


class DynamoTemplateStore:
    def __init__(self, bucket: ObjectStore) -> None:
        self._bucket = bucket

    def latest(self) -> list[VersionInfo]:
        """Every template's latest version, by id."""
        def query() -> list[TemplateRecord]:
            return list(TemplateRecord.heads.query(HEAD_KEY))

        return [_info(head, int(head.latest)) for head in unavailable_on_connection_errors(query)]

    def versions(self, template_id: str) -> list[VersionInfo]:
        def query() -> list[TemplateRecord]:
            return list(TemplateRecord.query(template_id, TemplateRecord.version > HEAD,
                                             consistent_read=True))

        return [_info(record, int(record.version))
                for record in unavailable_on_connection_errors(query)]

    def latest_version(self, template_id: str) -> int | None:
        head = self._record(template_id, HEAD)
        return None if head is None else int(head.latest)

    def get(self, template_id: str, version: int) -> StoredTemplate | None:
        record = self._record(template_id, version)
        if record is None:
            return None
        template = load_definition(self._bucket, LocatedDefinition(
            template_id, version, record.object_key, record.object_version,
            record.content_hash))
        return StoredTemplate(template, record.created_at, record.created_by)

    def add(self, template: TemplateVersion, *, created_at: str, created_by: str) -> None:
        """Record ``template`` as the next version. WriteConflict if its number is taken
        or another version became the latest meanwhile (the caller decides the next number
        again)."""
        key, object_version = put_definition(self._bucket, template)
        fields = {"name": template.name, "category": template.definition["category"],
                  "description": template.definition["description"][:DESCRIPTION_IN_INDEX],
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


def _info(record: TemplateRecord, version: int) -> VersionInfo:
    return VersionInfo(record.template_id, version, record.name, record.category,
                       record.description, record.content_hash, record.created_at,
                       record.created_by)
