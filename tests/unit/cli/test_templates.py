"""``cms template``: publish creates a new template and revises an existing one against a
base version; render merges --vars and --var."""

from __future__ import annotations

import json

from tests.unit.cli.platform_api import ScriptedApi, api, cms

__all__ = ["api"]
TEMPLATES = "/api/v1/templates"


def test_publish_creates_a_template_that_does_not_exist(api: ScriptedApi, tmp_path) -> None:
    definition = tmp_path / "t.json"
    definition.write_text(json.dumps({"id": "nda", "name": "NDA"}))
    api.answers[("GET", f"{TEMPLATES}/nda")] = (404, {"code": "template_not_found"})
    api.answers[("POST", TEMPLATES)] = (201, {"id": "nda", "version": 1})
    assert cms("template", "publish", str(definition)) == 0
    assert api.bodies("POST", TEMPLATES) == [{"id": "nda", "name": "NDA"}]


def test_publish_revises_against_the_latest_version_or_the_one_given(api: ScriptedApi,
                                                                     tmp_path,
                                                                     capsys) -> None:
    definition = tmp_path / "t.json"
    definition.write_text(json.dumps({"id": "nda", "name": "NDA 2"}))
    api.answers[("GET", f"{TEMPLATES}/nda")] = (200, {"id": "nda", "version": 4})
    api.answers[("PUT", f"{TEMPLATES}/nda")] = (201, {"id": "nda", "version": 5})
    assert cms("template", "publish", str(definition)) == 0
    assert cms("template", "publish", str(definition), "--base-version", "3") == 0
    sent = api.sent("PUT", f"{TEMPLATES}/nda")
    assert [r.url.params["base_version"] for r in sent] == ["4", "3"]
    assert json.loads(sent[0].content) == {"name": "NDA 2"}
    assert "nda is at version 5" in capsys.readouterr().err


def test_publish_needs_the_templates_id(api: ScriptedApi, tmp_path, capsys) -> None:
    definition = tmp_path / "t.json"
    definition.write_text(json.dumps({"name": "no id"}))
    assert cms("template", "publish", str(definition)) == 1
    assert api.requests == [] and "'id'" in capsys.readouterr().err


def test_render_takes_the_file_as_the_base_and_the_pairs_as_changes(api: ScriptedApi,
                                                                    tmp_path) -> None:
    variables = tmp_path / "v.json"
    variables.write_text(json.dumps({"payment": {"amount": 1, "currency": "EUR"},
                                     "max_epochs": 3}))
    api.answers[("POST", f"{TEMPLATES}/ai_training/render")] = (200, {
        "markdown": "# md", "html": "<h1>html</h1>", "terms": {}})
    out = tmp_path / "doc.html"
    assert cms("template", "render", "ai_training", "--vars", str(variables), "--var",
               "payment.amount=2", "--version", "2", "--out", str(out)) == 0
    assert api.bodies("POST", f"{TEMPLATES}/ai_training/render") == [{
        "variables": {"payment": {"amount": 2, "currency": "EUR"}, "max_epochs": 3},
        "version": 2}]
    assert out.read_text() == "<h1>html</h1>"
