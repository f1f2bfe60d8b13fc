"""The exit codes scripts branch on: documented exactly as the CLI returns them."""

from __future__ import annotations

import re

from cms_client.cli import main
from cms_client.cli.exit_codes import ExitCode, exit_code_for
from cms_client.errors import ApiError
from tests.conftest import REPO


def test_docs_list_every_exit_code_and_nothing_else() -> None:
    text = (REPO / "docs" / "cli.md").read_text()
    table = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", table, re.MULTILINE)}
    assert documented == {int(code) for code in ExitCode}


def test_each_class_of_api_refusal_has_its_own_exit_code() -> None:
    statuses = {401: ExitCode.AUTH, 403: ExitCode.FORBIDDEN, 404: ExitCode.NOT_FOUND,
                409: ExitCode.CONFLICT, 422: ExitCode.VALIDATION, 400: ExitCode.VALIDATION,
                429: ExitCode.RATE_LIMITED, 503: ExitCode.UNAVAILABLE,
                0: ExitCode.UNAVAILABLE}
    for status, expected in statuses.items():
        error = ApiError.from_response(status, {"code": "x", "detail": "y"})
        assert exit_code_for(error) is expected, status


def test_usage_errors_exit_1_with_a_hint_and_no_traceback(capsys) -> None:
    assert main(["--no-such-option"]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "No such option" in err and "Traceback" not in err


def test_commands_that_need_a_session_say_how_to_get_one(capsys, monkeypatch,
                                                         tmp_path) -> None:
    monkeypatch.delenv("CMS_TOKEN", raising=False)
    monkeypatch.setenv("CMS_CONFIG_DIR", str(tmp_path))
    assert main(["--url", "http://127.0.0.1:9", "contract", "get", "x"]) == ExitCode.AUTH
    assert "cms login" in capsys.readouterr().err


def test_a_body_refused_before_sending_names_the_field_without_dumping_patterns(
        capsys, monkeypatch) -> None:
    monkeypatch.setenv("CMS_TOKEN", "a-token")
    code = main(["--url", "http://127.0.0.1:9", "webhook", "create", "http://plain.example"])
    assert code == ExitCode.VALIDATION
    err = capsys.readouterr().err
    assert "url: not in the form the API accepts (https" in err
    assert "[0-9A-Fa-f]" not in err and "Traceback" not in err
