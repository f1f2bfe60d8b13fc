"""What the key store and profile tests share: a configuration directory of their own, key
derivation at the formats' minimum cost (the defaults are tested once, by the vector), and
``cms`` run in-process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cms_client.cli import keystore, main


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    directory = tmp_path / "config" / "cms"
    for name in ("CMS_URL", "CMS_PROFILE", "CMS_KEY", "CMS_TOKEN", "CMS_OUTPUT",
                 "CMS_KEY_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CMS_CONFIG_DIR", str(directory))
    monkeypatch.setattr(keystore, "DEFAULT_ITERATIONS", keystore.MIN_ITERATIONS)
    monkeypatch.setattr(keystore, "ETH_SCRYPT_N", 2**10)
    yield directory


def cms(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    """(exit code, stdout as JSON when there is any, stderr)."""
    code = main(["-o", "json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err
