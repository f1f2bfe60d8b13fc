"""``cms template``: publish creates a new template and revises an existing one against a
base version; render merges --vars and --var."""

from __future__ import annotations

import json

from tests.unit.cli.platform_answers import template_preview, template_version
from tests.unit.cli.platform_api import ScriptedApi, api, cms

__all__ = ["api"]
TEMPLATES = "/api/v1/templates"


def test_publish_creates_a_template_that_does_not_exist(api: ScriptedApi, tmp_path) -> None:
    definition = tmp_path / "t.json"
    definition.write_text(json.dumps({"id": "nda", "name": "NDA"}))
    api.answers[("GET", f"{TEMPLATES}/nda")] = (404, {"code": "template_not_found"})
    api.answers[("POST", TEMPLATES)] = (201, template_version("nda", 1))
    assert cms("template", "publish", str(definition)) == 0
    assert api.bodies("POST", TEMPLATES) == [{"id": "nda", "name": "NDA"}]


def test_publish_revises_against_the_latest_version_or_the_one_given(api: ScriptedApi,
                                                                     tmp_path,
                                                                     capsys) -> None:
    definition = tmp_path / "t.json"
    definition.write_text(json.dumps({"id": "nda", "name": "NDA 2"}))
    api.answers[("GET", f"{TEMPLATES}/nda")] = (200, template_version("nda", 4))
    api.answers[("PUT", f"{TEMPLATES}/nda")] = (201, template_version("nda", 5))
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
    api.answers[("POST", f"{TEMPLATES}/ai_training/render")] = (200, template_preview(
        "# md", "<h1>html</h1>"))
    out = tmp_path / "doc.html"
    assert cms("template", "render", "ai_training", "--vars", str(variables), "--var",
               "payment.amount=2", "--version", "2", "--out", str(out)) == 0
    assert api.bodies("POST", f"{TEMPLATES}/ai_training/render") == [{
        "variables": {"payment": {"amount": 2, "currency": "EUR"}, "max_epochs": 3},
        "version": 2}]
    assert out.read_text() == "<h1>html</h1>"


def test_a_published_template_get_answer_leaves_out_what_the_platform_records(
        api: ScriptedApi, tmp_path) -> None:
    definition = tmp_path / "t.json"
    definition.write_text(json.dumps(template_version("nda", 4)))
    api.answers[("GET", f"{TEMPLATES}/nda")] = (200, template_version("nda", 4))
    api.answers[("PUT", f"{TEMPLATES}/nda")] = (200, template_version("nda", 4))
    assert cms("template", "publish", str(definition)) == 0
    sent = json.loads(api.sent("PUT", f"{TEMPLATES}/nda")[0].content)
    assert sent["name"] == "NDA"
    assert not {"id", "version", "content_hash", "created_at", "created_by"} & set(sent)


def test_list_versions_and_a_preview_print_the_answers(api: ScriptedApi, capsys) -> None:
    summary = {key: value for key, value in template_version("nda", 2).items()
               if key in ("version", "name", "description", "category", "content_hash",
                          "created_at", "created_by")}
    api.answers[("GET", TEMPLATES)] = (200, {"items": [{"template_id": "nda", **summary}]})
    api.answers[("GET", f"{TEMPLATES}/nda/versions")] = (200, {"items": [
        {"template_id": "nda", **summary}]})
    api.answers[("POST", f"{TEMPLATES}/nda/render")] = (200, template_preview("# md", "<h1>"))
    assert cms("template", "list") == 0
    assert [t["template_id"] for t in json.loads(capsys.readouterr().out)] == ["nda"]
    assert cms("template", "versions", "nda") == 0
    assert [t["version"] for t in json.loads(capsys.readouterr().out)] == [2]
    assert cms("template", "render", "nda", "--var", "a=1") == 0
    assert json.loads(capsys.readouterr().out)["markdown"] == "# md"
    assert api.bodies("POST", f"{TEMPLATES}/nda/render") == [{"variables": {"a": 1}}]
