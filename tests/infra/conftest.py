"""One synthesis per test session, shared by every infra test (cached across sessions too)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
# `cdk` and `functions` are top-level packages of the repository, not installed ones.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import cdk  # noqa: E402 - needs the path above

# Before any test module imports aws_cdk: jsii reads the variable when its runtime starts.
cdk.silence_jsii_node_banner()


@pytest.fixture(scope="session")
def templates() -> dict[str, dict]:
    from cdk.synth import synthesize

    # The cms-only layer is enough for the templates; test_infra_layer builds the real one.
    return synthesize(layer_dependencies=False)


@pytest.fixture(scope="session")
def data_template(templates: dict[str, dict]):
    from aws_cdk.assertions import Template

    return Template.from_json(templates["CmsData"])


@pytest.fixture(scope="session")
def api_template(templates: dict[str, dict]):
    from aws_cdk.assertions import Template

    return Template.from_json(templates["CmsApi"])


@pytest.fixture(scope="session")
def observability_template(templates: dict[str, dict]):
    from aws_cdk.assertions import Template

    return Template.from_json(templates["CmsObservability"])


@pytest.fixture(scope="session")
def enclave_template(templates: dict[str, dict]):
    from aws_cdk.assertions import Template

    return Template.from_json(templates["CmsEnclave"])
