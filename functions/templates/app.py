"""Templates function: the catalogue, versions, admin authoring and render previews."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, ConfigDict, Field

from cms.api.http import SECURED, caller_of, create_resolver, json_response, lambda_entry
from cms.api.observability import count
from cms.services import container

app = create_resolver()
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


@app.get(BASE, security=SECURED, summary="Every template's latest version")
def catalogue() -> dict:
    caller_of(app)
    return {"items": [info.to_json() for info in container.templates().catalogue()]}


@app.get(ONE, security=SECURED, summary="A template version (default: the latest)")
def get(template_id: str, version: Version = None) -> dict:
    caller_of(app)
    return container.templates().get(template_id, version).to_json()


@app.get(ONE + "/versions", security=SECURED, summary="Every version of a template")
def versions(template_id: str) -> dict:
    caller_of(app)
    return {"items": [info.to_json() for info in container.templates().versions(template_id)]}


@app.post(BASE, security=SECURED, summary="Create a template as version 1 (admins)")
def create(request: Annotated[dict[str, Any], Body()]) -> Response[dict]:
    template_id = request.get("id")
    definition = {k: v for k, v in request.items() if k not in SERVER_FIELDS}
    stored = container.templates().create(caller_of(app), template_id
                                          if isinstance(template_id, str) else "", definition)
    count("TemplateVersionsCreated")
    return json_response(stored.to_json(), 201, {"Location": f"{BASE}/{template_id}"})


@app.put(ONE, security=SECURED,
         summary="Add a version (admins); identical content returns the latest unchanged")
def revise(template_id: str, request: Annotated[dict[str, Any], Body()],
           base_version: Version = None) -> Response[dict]:
    definition = {k: v for k, v in request.items() if k not in SERVER_FIELDS}
    stored, created = container.templates().revise(caller_of(app), template_id, definition,
                                                   base_version)
    if created:
        count("TemplateVersionsCreated")
    version = stored.template.version
    return json_response(stored.to_json(), 201 if created else 200,
                         {"Location": f"{BASE}/{template_id}?version={version}"})


@app.post(ONE + "/render", security=SECURED,
          summary="Preview: the terms, validity and document a contract made now would get")
def render(template_id: str, request: Annotated[RenderRequest, Body()]) -> dict:
    caller_of(app)
    return container.drafting().preview(template_id, request.version, request.variables)


handler = lambda_entry(app)
