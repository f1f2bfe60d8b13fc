"""The platform itself: its dependencies' health and its OpenAPI document."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cms.api.schemas.common import JsonObject


class DependencyCheck(BaseModel):
    status: Literal["ok", "down"]
    latency_ms: float = Field(ge=0)
    error: str | None = Field(description="The kind of failure when down")


class Health(BaseModel):
    status: Literal["ok", "degraded"] = Field(description="degraded (503) when any check is "
                                                          "down")
    checks: dict[str, DependencyCheck] = Field(description=(
        "By dependency: dynamodb:<table>, secretsmanager:jwt-signing-key"))


class OpenApiInfo(BaseModel):
    model_config = ConfigDict(extra="allow")
    title: str
    version: str
    description: str | None = None


class OpenApiDocument(BaseModel):
    """An OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.0)."""

    model_config = ConfigDict(extra="allow")
    openapi: str = Field(pattern=r"^3\.1\.[0-9]+$")
    info: OpenApiInfo
    paths: dict[str, JsonObject]
    components: JsonObject
    tags: list[JsonObject]
