"""The template store: versions written once and in order, the heads index, definitions
checked against their content hash."""

from __future__ import annotations

import copy
import uuid

import pytest

from cms.domain.errors import StoredObjectCorrupt
from cms.domain.templates.builtin import builtin_templates
from cms.domain.templates.model import TemplateVersion
from cms.ports.errors import WriteConflict

AT = "2026-12-07T06:00:00.000Z"
ADMIN = "did:key:z6MkAdmin"


def version(template_id: str, number: int, name: str = "Sharing") -> TemplateVersion:
    definition = copy.deepcopy(builtin_templates()["data_sharing"].definition)
    definition.update(name=name, description="d" * 1500)
    return TemplateVersion.define(template_id, number, definition)


def new_id() -> str:
    return f"t_{uuid.uuid4().hex}"


def test_a_version_reads_back_as_written(services):
    store, template_id = services.template_store, new_id()
    first = version(template_id, 1)
    store.add(first, created_at=AT, created_by=ADMIN)
    stored = store.get(template_id, 1)
    assert (stored.template, stored.created_at, stored.created_by) == (first, AT, ADMIN)
    assert store.latest_version(template_id) == 1
    [info] = store.versions(template_id)
    assert (info.template_id, info.version, info.name, info.content_hash, info.created_by) == (
        template_id, 1, "Sharing", first.content_hash, ADMIN)
    assert info.description == "d" * 1000  # the index keeps the beginning


def test_nothing_is_none_or_empty(services):
    store = services.template_store
    assert store.get("no_such_template", 1) is None
    assert store.latest_version("no_such_template") is None
    assert store.versions("no_such_template") == []


def test_versions_are_written_once_and_in_order(services):
    store, template_id = services.template_store, new_id()
    store.add(version(template_id, 1), created_at=AT, created_by=ADMIN)
    with pytest.raises(WriteConflict):  # taken
        store.add(version(template_id, 1, "Again"), created_at=AT, created_by=ADMIN)
    with pytest.raises(WriteConflict):  # not next
        store.add(version(template_id, 3), created_at=AT, created_by=ADMIN)
    with pytest.raises(WriteConflict):  # a template starts at 1
        store.add(version(new_id(), 2), created_at=AT, created_by=ADMIN)
    store.add(version(template_id, 2, "Second"), created_at=AT, created_by=ADMIN)
    assert store.get(template_id, 1).template.name == "Sharing"
    assert [(v.version, v.name) for v in store.versions(template_id)] == [
        (1, "Sharing"), (2, "Second")]
    assert store.latest_version(template_id) == 2


def test_the_catalogue_holds_each_templates_latest(services):
    store, one, two = services.template_store, new_id(), new_id()
    for number in (1, 2):
        store.add(version(one, number, f"One v{number}"), created_at=AT, created_by=ADMIN)
    store.add(version(two, 1, "Two"), created_at=AT, created_by=ADMIN)
    latest = {info.template_id: (info.version, info.name) for info in store.latest()}
    assert latest[one] == (2, "One v2") and latest[two] == (1, "Two")


def stored_object(services, template: TemplateVersion) -> tuple[object, str]:
    bucket = services.bucket("CMS_TEMPLATES_BUCKET")
    return bucket, f"templates/{template.id}/{template.content_hash}.json"


def test_reads_are_pinned_to_the_version_the_index_names(services):
    store, template = services.template_store, version(new_id(), 1)
    store.add(template, created_at=AT, created_by=ADMIN)
    bucket, key = stored_object(services, template)
    bucket.put(key, b'{"name": "forged"}', "application/json")
    assert store.get(template.id, 1).template == template


def test_a_definition_whose_object_is_gone_is_refused(services):
    store, template = services.template_store, version(new_id(), 1)
    store.add(template, created_at=AT, created_by=ADMIN)
    bucket, key = stored_object(services, template)
    bucket.delete(key, bucket.head(key).version_id)
    with pytest.raises(StoredObjectCorrupt):
        store.get(template.id, 1)
