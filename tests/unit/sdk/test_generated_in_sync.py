"""The generated SDK layer matches the API: regenerated from the current OpenAPI document it
is byte for byte what is committed, and every operation has its method (every paginated
list its iterator)."""

from __future__ import annotations

import importlib.util
import inspect
import sys
from pathlib import Path
from types import ModuleType

import pytest

from cms_client.generated.operations import AsyncOperations, Operations

REPO = Path(__file__).resolve().parents[3]
GENERATOR = REPO / "client" / "codegen" / "generate_sdk.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_sdk", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return _generator()


@pytest.fixture(scope="module")
def document(generator) -> dict:
    return generator.openapi_document()


def test_the_committed_files_are_what_the_document_generates(generator, document, tmp_path):
    written = generator.generate(tmp_path, document)
    stale = [path.name for path in written
             if path.read_text() != (generator.GENERATED / path.name).read_text()]
    assert not stale, (f"client/cms_client/generated/{', '.join(stale)} differ from what the "
                       "OpenAPI document gives: run client/codegen/generate_sdk.py")


def test_every_operation_has_its_method_and_every_paginated_list_its_iterator(generator,
                                                                              document):
    ids = [op["operationId"] for item in document["paths"].values()
           for method, op in item.items() if method in generator._METHODS]
    assert len(ids) == len(set(ids)) > 60
    for kind in (Operations, AsyncOperations):
        missing = [i for i in ids if not callable(getattr(kind, generator.snake_case(i), None))]
        assert not missing, f"{kind.__name__} lacks {missing}"
    paginated = {op.name for op in generator.operations(document) if op.pager}
    # The lists the API pages with a cursor (events: with after), named here so that a
    # pagination the generator stops recognising fails this test.
    assert paginated >= {"list_contracts", "list_contract_events", "list_identities",
                         "list_training_jobs", "list_engine_contracts", "list_engine_history",
                         "list_webhook_deliveries"}
    for name in paginated:
        assert inspect.isfunction(getattr(Operations, f"iter_{name}"))
        assert inspect.isfunction(getattr(AsyncOperations, f"iter_{name}"))


def test_every_problem_code_the_document_declares_has_its_exception(generator, document):
    from cms_client.generated.problems import PROBLEMS

    declared = set(generator._declared_codes(document))
    assert declared and declared <= set(PROBLEMS)


def test_each_object_schema_is_the_model_of_its_own_name(document) -> None:
    """An operation answering ``X`` parses ``models.X``: no schema lost its name to another
    generated type (an inline field's alias once took TemplateVersion's)."""
    from pydantic import BaseModel

    from cms_client.generated import models

    for name, schema in document["components"]["schemas"].items():
        if schema.get("type") != "object" or not schema.get("properties"):
            continue
        model = getattr(models, name, None)
        assert isinstance(model, type) and issubclass(model, BaseModel), name
        assert set(schema["properties"]) <= set(model.model_fields) | {
            field.alias for field in model.model_fields.values() if field.alias}, name
