"""What a shell asks of ``cms``: completion of commands and options, and its version."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata


def _cms(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cms_client.cli", *args],
                          capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, **env})


def test_bash_completes_commands_and_subcommands() -> None:
    done = _cms(_CMS_COMPLETE="complete_bash", COMP_WORDS="cms contract s", COMP_CWORD="2")
    assert done.returncode == 0
    assert set(done.stdout.split()) == {"submit", "sign"}
    groups = _cms(_CMS_COMPLETE="complete_bash", COMP_WORDS="cms tr", COMP_CWORD="1")
    assert groups.stdout.split() == ["training"]


def test_the_completion_script_is_printed_for_a_shell_to_install() -> None:
    done = _cms("--show-completion", "bash")
    assert done.returncode == 0 and "_cms_completion" in done.stdout


def test_version_is_the_packages() -> None:
    done = _cms("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"cms {metadata.version('cms')}"
