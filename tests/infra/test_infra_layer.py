"""The real layer: pinned dependencies as manylinux wheels for the Lambda architecture.

The first run downloads ~150 MB of wheels from PyPI (a minute or so); later runs reuse the
cached build while requirements.txt is unchanged.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cdk.context import cdk_json_context
from cdk.packaging import (
    LAMBDA_LAYER_LIMIT_BYTES,
    build_assets,
    build_layer,
    directory_size,
)

pytestmark = pytest.mark.infra

REQUIRED_PACKAGES = ("cms", "cms_wire", "jwt", "eth_account", "nacl", "pynamodb",
                     "aws_lambda_powertools", "jsonschema", "jinja2", "markdown_it", "fpdf",
                     "fontTools", "fontpkg_fira_sans")
# ELF e_machine values.
ELF_MACHINES = {"arm64": 183, "x86_64": 62}


@pytest.fixture(scope="module")
def architecture() -> str:
    return str(cdk_json_context().get("architecture", "arm64"))


@pytest.fixture(scope="module")
def layer(architecture: str) -> Path:
    return build_layer(architecture, with_dependencies=True)


def _elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", path
    return int.from_bytes(header[18:20], "little")


def test_layer_holds_the_required_packages(layer: Path) -> None:
    python = layer / "python"
    for package in REQUIRED_PACKAGES:
        assert (python / package / "__init__.py").exists(), package


def test_layer_ships_the_compiled_ledger_contract(layer: Path) -> None:
    from cdk.packaging import LAYER_ARTIFACTS

    assert (layer / LAYER_ARTIFACTS / "ContractLedger.json").is_file()


def test_layer_ships_the_builtin_templates(layer: Path) -> None:
    from cms.domain.templates.builtin import BUILTIN_IDS

    directory = layer / "python" / "cms" / "domain" / "templates" / "builtin"
    assert sorted(p.stem for p in directory.glob("*.json")) == sorted(BUILTIN_IDS)


def test_native_extensions_are_built_for_the_lambda_architecture(
    layer: Path, architecture: str
) -> None:
    extensions = list((layer / "python").rglob("*.so"))
    assert any(path.parent.name == "nacl" for path in extensions)
    wrong = [path for path in extensions if _elf_machine(path) != ELF_MACHINES[architecture]]
    assert not wrong, wrong[:5]


def test_layer_and_code_fit_lambdas_unzipped_limit(layer: Path, architecture: str) -> None:
    functions = build_assets(architecture, with_dependencies=False).functions
    total = directory_size(layer) + directory_size(functions)
    print(
        f"layer {directory_size(layer) / 2**20:.1f} MiB, functions "
        f"{directory_size(functions) / 2**20:.2f} MiB"
    )
    assert total < LAMBDA_LAYER_LIMIT_BYTES


def test_function_asset_has_the_handlers_but_no_tests(architecture: str) -> None:
    functions = build_assets(architecture, with_dependencies=False).functions / "functions"
    assert (functions / "registry.py").exists()
    assert (functions / "contracts" / "app.py").exists()
    assert not list(functions.rglob("__pycache__"))
    assert not list(functions.rglob("tests"))
