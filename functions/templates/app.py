"""Templates function: the catalogue, versions, admin authoring and render previews."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from cms.api.http import caller_of, http_entry, json_response
from cms.api.idempotency import IDEMPOTENCY_ERRORS, IdempotencyKey, idempotent
from cms.api.observability import count
from cms.api.operations import READ, RENDER, Api
from cms.api.schemas.templates import (
    NewTemplate,
    TemplateCatalogue,
    TemplateDefinition,
    TemplatePreview,
    TemplatePreviewRequest,
    TemplateSummary,
    TemplateVersion,
    TemplateVersions,
)
from cms.domain.errors import (
    Conflict,
    Forbidden,
    RenderLimitExceeded,
    StoredObjectCorrupt,
    TemplateExists,
    TemplateInvalid,
    TemplateNotFound,
)
from cms.domain.templates.model import MAX_VERSION, TEMPLATE_ID_PATTERN
from cms.ports.templates import StoredTemplate, VersionInfo
from cms.runtime import FunctionRuntime

api = Api("templates")
runtime = FunctionRuntime()
BASE = "/api/v1/templates"
ONE = BASE + "/<template_id>"

TemplateIdPath = Annotated[str, Path(min_length=3, max_length=64, pattern=TEMPLATE_ID_PATTERN)]
# Optional: absent means the latest (the schema says integer; a query cannot carry null).
Version = Annotated[int, Query(ge=1, le=MAX_VERSION)]
# Reading a built-in for the first time stores it (a conditional write): a concurrent first
# read may be told to retry, and what it reads is checked against its hash.
SEEDING = (Conflict, StoredObjectCorrupt)


def _version(stored: StoredTemplate) -> TemplateVersion:
    return TemplateVersion.model_validate(stored.to_json())


def _summaries(infos: list[VersionInfo]) -> list[TemplateSummary]:
    return [TemplateSummary.model_validate(info, from_attributes=True) for info in infos]


@api.get(BASE, "listTemplates", limit=READ,
         summary="Every template's latest version", errors=SEEDING)
def catalogue() -> TemplateCatalogue:
    caller_of(api)
    return TemplateCatalogue(items=_summaries(runtime.services.templates.catalogue()))


@api.get(ONE, "getTemplate", limit=READ, summary="A template version (default: the latest)",
         errors=(TemplateNotFound, *SEEDING))
def get(template_id: TemplateIdPath, version: Version = None) -> TemplateVersion:
    caller_of(api)
    return _version(runtime.services.templates.get(template_id, version))


@api.get(ONE + "/versions", "listTemplateVersions", limit=READ,
         summary="Every version of a template",
         errors=(TemplateNotFound, *SEEDING))
def versions(template_id: TemplateIdPath) -> TemplateVersions:
    caller_of(api)
    return TemplateVersions(items=_summaries(runtime.services.templates.versions(template_id)))


@api.post(BASE, "createTemplate", limit=RENDER,
          status=201, summary="Create a template as version 1 (admins)",
          errors=(Forbidden, TemplateExists, TemplateInvalid, *IDEMPOTENCY_ERRORS))
def create(request: Annotated[NewTemplate, Body()],
           idempotency_key: IdempotencyKey = None) -> Response[TemplateVersion]:
    caller = caller_of(api)

    def make() -> dict[str, Any]:
        stored = runtime.services.templates.create(caller, request.id, request.content())
        count("TemplateVersionsCreated")
        return stored.to_json()

    version = TemplateVersion.model_validate(idempotent(
        api, runtime, idempotency_key, make, operation="createTemplate",
        request=request.model_dump(mode="json")))
    return json_response(version, 201, {"Location": f"{BASE}/{request.id}"})


@api.put(ONE, "reviseTemplate", limit=RENDER, status=201, also=(200,),
         summary="Add a version (admins); identical content returns the latest unchanged (200)",
         errors=(Forbidden, TemplateNotFound, TemplateInvalid, *SEEDING))
def revise(template_id: TemplateIdPath, request: Annotated[TemplateDefinition, Body()],
           base_version: Version = None) -> Response[TemplateVersion]:
    stored, created = runtime.services.templates.revise(caller_of(api), template_id,
                                                        request.content(), base_version)
    if created:
        count("TemplateVersionsCreated")
    version = stored.template.version
    return json_response(_version(stored), 201 if created else 200,
                         {"Location": f"{BASE}/{template_id}?version={version}"})


@api.post(ONE + "/render", "renderTemplate", limit=RENDER,
          summary="Preview: the terms, validity and document a contract made now would get",
          errors=(TemplateNotFound, RenderLimitExceeded, *SEEDING))
def render(template_id: TemplateIdPath,
           request: Annotated[TemplatePreviewRequest, Body()]) -> TemplatePreview:
    caller_of(api)
    preview = runtime.services.templates.preview(template_id, request.version,
                                                 request.variables)
    return TemplatePreview.model_validate(preview, from_attributes=True)


handler = http_entry(api, runtime)
