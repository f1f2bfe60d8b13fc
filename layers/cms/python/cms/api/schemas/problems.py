"""RFC 9457 problem details: the body of every error the API answers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ProblemItem(BaseModel):
    """One thing wrong with the request, located by a JSON pointer into the body (``/terms``)
    or by ``query:``, ``path:`` or ``header:`` and the parameter's name."""

    model_config = ConfigDict(extra="forbid", strict=True)
    pointer: str
    message: str


class Problem(BaseModel):
    """An error. ``code`` is stable and machine-readable: branch on it, not on ``title`` or
    ``detail``. Some codes carry more members (``current_status`` for an illegal transition,
    ``execution_id`` for a failed engine call); they are documented with the code."""

    model_config = ConfigDict(extra="allow", json_schema_extra={
        "examples": [{"type": "https://cms.dev/problems/not_found", "title": "Not found",
                      "status": 404, "code": "not_found",
                      "detail": "no contract 7d5b0f7e-2a51-4a47-9c43-3f6f0e4f7a10"}]})
    type: str = Field(description="A URI naming the problem type: the base URI and the code")
    title: str
    status: int | None = Field(default=None, ge=100, le=599, description=(
        "The HTTP status (advisory, RFC 9457); absent from the gateway's generic 4xx/5xx"))
    code: str = Field(description="Stable machine-readable code")
    detail: str
    errors: list[ProblemItem] | None = Field(
        default=None, description="Each invalid field, for validation errors")
