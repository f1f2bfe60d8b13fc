"""Templates function: the catalogue, versions, admin authoring and render previews."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, ConfigDict, Field

from cms.api.http import caller_of, http_entry, json_response
from cms.api.observability import count
from cms.api.operations import Api
from cms.domain.errors import (
    Conflict,
    Forbidden,
    StoredObjectCorrupt,
    TemplateExists,
    TemplateInvalid,
    TemplateNotFound,
)
from cms.runtime import FunctionRuntime

api = Api("templates")
runtime = FunctionRuntime()
BASE = "/api/v1/templates"
ONE = BASE + "/<template_id>"
# Fields a GET returns beside the definition: accepted (and ignored) in a PUT, so a client
# can fetch a version, edit it and send it back.
SERVER_FIELDS = ("id", "version", "content_hash", "created_at", "created_by")

Version = Annotated[int | None, Query(ge=1, le=1_000_000)]


class RenderRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    variables: dict[str, Any]
    version: int | None = Field(default=None, ge=1, le=1_000_000)


@api.get(BASE, "listTemplates", summary="Every template's latest version",
         errors=(StoredObjectCorrupt,))
def catalogue() -> dict:
    caller_of(api)
    return {"items": [info.to_json() for info in runtime.services.templates.catalogue()]}


@api.get(ONE, "getTemplate", summary="A template version (default: the latest)",
         errors=(TemplateNotFound, StoredObjectCorrupt))
def get(template_id: str, version: Version = None) -> dict:
    caller_of(api)
    return runtime.services.templates.get(template_id, version).to_json()


@api.get(ONE + "/versions", "listTemplateVersions", summary="Every version of a template",
         errors=(TemplateNotFound,))
def versions(template_id: str) -> dict:
    caller_of(api)
    return {"items": [info.to_json()
                      for info in runtime.services.templates.versions(template_id)]}


@api.post(BASE, "createTemplate", status=201, summary="Create a template as version 1 (admins)",
          errors=(Forbidden, TemplateExists, TemplateInvalid, Conflict))
def create(request: Annotated[dict[str, Any], Body()]) -> Response[dict]:
    template_id = request.get("id")
    definition = {k: v for k, v in request.items() if k not in SERVER_FIELDS}
    stored = runtime.services.templates.create(caller_of(api), template_id
                                               if isinstance(template_id, str) else "",
                                               definition)
    count("TemplateVersionsCreated")
    return json_response(stored.to_json(), 201, {"Location": f"{BASE}/{template_id}"})


@api.put(ONE, "reviseTemplate", status=201,
         summary="Add a version (admins); identical content returns the latest unchanged (200)",
         errors=(Forbidden, TemplateNotFound, TemplateInvalid, Conflict, StoredObjectCorrupt))
def revise(template_id: str, request: Annotated[dict[str, Any], Body()],
           base_version: Version = None) -> Response[dict]:
    definition = {k: v for k, v in request.items() if k not in SERVER_FIELDS}
    stored, created = runtime.services.templates.revise(caller_of(api), template_id,
                                                        definition, base_version)
    if created:
        count("TemplateVersionsCreated")
    version = stored.template.version
    return json_response(stored.to_json(), 201 if created else 200,
                         {"Location": f"{BASE}/{template_id}?version={version}"})


@api.post(ONE + "/render", "renderTemplate",
          summary="Preview: the terms, validity and document a contract made now would get",
          errors=(TemplateNotFound, StoredObjectCorrupt))
def render(template_id: str, request: Annotated[RenderRequest, Body()]) -> dict:
    caller_of(api)
    preview = runtime.services.templates.preview(template_id, request.version,
                                                 request.variables)
    return asdict(preview)


handler = http_entry(api, runtime)
