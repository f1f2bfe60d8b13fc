"""``cms template`` as a user types it, on the local stack: the catalogue, a version, a
preview, and an admin's publish (create, then a revision against its base version)."""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.test_templates_api import custom_definition
from tests.template_variables import training_variables

pytestmark = pytest.mark.e2e


def test_templates_are_listed_read_and_rendered(new_party, run_cms, tmp_path):
    as_user = {"token": new_party("eth").client.token}
    listed = json.loads(run_cms("template", "list", check=True, **as_user).stdout)
    assert "ai_training" in {item["template_id"] for item in listed}

    first = json.loads(run_cms("template", "get", "ai_training", "--version", "1",
                               check=True, **as_user).stdout)
    assert (first["id"], first["version"]) == ("ai_training", 1)
    versions = json.loads(run_cms("template", "versions", "ai_training", check=True,
                                  **as_user).stdout)
    assert versions[0]["version"] == 1

    variables = tmp_path / "variables.json"
    variables.write_text(json.dumps(training_variables()))
    preview = json.loads(run_cms("template", "render", "ai_training", "--vars", str(variables),
                                 "--var", "max_epochs=7", check=True, **as_user).stdout)
    assert preview["template"]["id"] == "ai_training" and preview["terms"]["max_epochs"] == 7
    document = tmp_path / "preview.md"
    run_cms("template", "render", "ai_training", "--vars", str(variables), "--var",
            "max_epochs=7", "--out", str(document), check=True, **as_user)
    assert document.read_text() == preview["markdown"]
    assert "at most 7 epochs" in preview["markdown"]

    missing = run_cms("template", "get", "no_such_template", **as_user)
    assert missing.returncode == 6 and "template_not_found" in missing.stderr


def test_an_admin_publishes_a_template_and_a_revision(admin, new_party, run_cms, tmp_path):
    template_id = f"cli_{time.time_ns()}"
    definition = tmp_path / "template.json"
    definition.write_text(json.dumps({"id": template_id, **custom_definition()}))
    refused = run_cms("template", "publish", str(definition),
                      token=new_party("eth").client.token)
    assert refused.returncode == 5, refused.stderr

    as_admin = {"token": admin.client.token}
    created = json.loads(run_cms("template", "publish", str(definition), check=True,
                                 **as_admin).stdout)
    assert (created["id"], created["version"]) == (template_id, 1)
    definition.write_text(json.dumps({"id": template_id,
                                      **custom_definition(name="Custom sharing, v2")}))
    revised = json.loads(run_cms("template", "publish", str(definition), "--base-version",
                                 "1", check=True, **as_admin).stdout)
    assert (revised["version"], revised["name"]) == (2, "Custom sharing, v2")
    definition.write_text(json.dumps({"id": template_id,
                                      **custom_definition(name="Custom sharing, v3")}))
    stale = run_cms("template", "publish", str(definition), "--base-version", "1",
                    **as_admin)
    assert stale.returncode == 7 and '"conflict"' in stale.stderr
