"""The four built-in templates (version 1 of each), shipped with the layer as JSON files and
checked exactly as an admin's new version would be."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from cms.domain.templates.model import TemplateVersion

BUILTIN_IDS = ("ai_training", "data_sharing", "model_ownership", "compliance")
_DIRECTORY = Path(__file__).resolve().parent / "builtin"


@cache
def builtin_templates() -> dict[str, TemplateVersion]:
    return {template_id: TemplateVersion.define(
        template_id, 1, json.loads((_DIRECTORY / f"{template_id}.json").read_text()))
        for template_id in BUILTIN_IDS}
