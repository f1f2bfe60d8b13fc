"""The CLI as a user types it: ``cms`` in a subprocess, with its own configuration directory."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

RunCms = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli_home(tmp_path: Path) -> Path:
    """A configuration directory of its own (profiles, keys, tokens) for each test."""
    home = tmp_path / "cms-config"
    home.mkdir(mode=0o700)
    return home


@pytest.fixture
def run_cms(stack, cli_home: Path) -> RunCms:
    """``run_cms("contract", "list", token=…, input=…, env={…})``: ``cms`` against the local
    stack, output piped (so JSON unless ``-o`` says otherwise); returns the finished process."""

    def run(*args: str, token: str | None = None, input: str | None = None,
            env: dict[str, str] | None = None, timeout: float = 120,
            check: bool = False) -> subprocess.CompletedProcess[str]:
        environment = {key: value for key, value in os.environ.items()
                       if not key.startswith("CMS_")}
        environment.update(CMS_URL=stack.url, CMS_CONFIG_DIR=str(cli_home),
                           NO_COLOR="1", COLUMNS="200")
        if token is not None:
            environment["CMS_TOKEN"] = token
        environment.update(env or {})
        done = subprocess.run([sys.executable, "-m", "cms_client.cli", *args], input=input,
                              capture_output=True, text=True, env=environment,
                              timeout=timeout, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"cms {' '.join(args)} exited {done.returncode}:\n"
                                 f"{done.stdout}\n{done.stderr}")
        return done

    return run
