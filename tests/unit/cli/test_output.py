"""What reaches a terminal from the server's text: exactly the text, never markup or escape
sequences, and never cut so short that an id cannot be copied."""

from __future__ import annotations

import json

from cms_client.cli import main
from cms_client.cli.output import OutputFormat, Printer, note

HOSTILE = "[link=https://evil.example]Sign here[/link] [/oops] \x1b[2J\x1b]0;pwned\x07 \x9b31m"
CONTRACT_ID = "7d5b0f7e-2a51-4a47-9c43-3f6f0e4f7a10"


def test_a_table_shows_server_text_literally_and_never_crashes_on_markup(capsys) -> None:
    Printer(OutputFormat.TABLE).emit([{"id": CONTRACT_ID, "title": HOSTILE}],
                                     columns=["id", "title"])
    out = capsys.readouterr().out
    flat = "".join(out.split())  # a long cell folds onto more lines
    assert "[link=https://evil.example]Sign" in out and "[/oops]" in out
    assert "\x1b" not in out and "\x9b" not in out and "\\x1b[2J" in flat
    assert CONTRACT_ID in flat.replace("│", "")  # folded, never cut with "…"
    assert "…" not in out


def test_a_record_and_messages_are_inert_too(capsys) -> None:
    Printer(OutputFormat.TABLE).emit({"error": HOSTILE})
    note(f"job failed: {HOSTILE}")
    captured = capsys.readouterr()
    for stream in (captured.out, captured.err):
        assert "\x1b" not in stream and "\x9b" not in stream and "\x07" not in stream
        assert "[/oops]" in stream


def test_a_problem_quoting_hostile_text_prints_as_escapes(capsys, monkeypatch) -> None:
    import httpx

    from cms_client.cli import session

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"type": "about:blank", "title": "Not found",
                                         "code": "not_found", "detail": HOSTILE})

    real = session.CmsClient

    def mocked(url: str, **kwargs: object):
        return real(url, http=httpx.Client(transport=httpx.MockTransport(answer)), **kwargs)

    monkeypatch.setattr(session, "CmsClient", mocked)
    monkeypatch.setenv("CMS_TOKEN", "a-token")
    assert main(["--url", "https://cms.example", "contract", "get", CONTRACT_ID]) == 6
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x9b" not in err
    assert json.loads(err.replace("\\x1b", "ESC").replace("\\x9b", "CSI").replace(
        "\\x07", "BEL"))["code"] == "not_found"
