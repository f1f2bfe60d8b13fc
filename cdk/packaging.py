"""Lambda asset folders, built without Docker.

The layer is ``build/lambda/layer/python/`` (the Lambda layer convention): the pinned runtime
dependencies from requirements.txt, installed by pip as manylinux wheels for the Lambda
architecture, plus a copy of the ``cms`` package. The function code is
``build/lambda/functions/functions/`` so that the handler ``functions.<name>.app.handler``
resolves from the asset root.

The pip step is slow (it downloads ~150 MB of wheels), so it is skipped while a stamp file
holds the SHA-256 of requirements.txt, the architecture and the Python version. Setting
``CMS_LAYER_DEPENDENCIES=0`` builds a layer with the ``cms`` package only (in its own folder, so
the cached full layer survives): enough for tests that only read the synthesized templates.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = REPO_ROOT / "build" / "lambda"
REQUIREMENTS = REPO_ROOT / "requirements.txt"
CMS_PACKAGE = REPO_ROOT / "layers" / "cms" / "python" / "cms"
WIRE_PACKAGE = REPO_ROOT / "cms_wire"  # the wire formats cms shares with the enclave image
# Compiled Solidity (ABI + bytecode), committed under contracts/: Lambdas never compile.
CONTRACT_ARTIFACTS = REPO_ROOT / "contracts" / "artifacts"
LAYER_ARTIFACTS = Path("python") / "cms" / "adapters" / "contract_artifacts"
FUNCTIONS_PACKAGE = REPO_ROOT / "functions"
# The enclave parent (CmsEnclave's EC2 instance): training_runner and cms with the same pinned
# dependencies, for the instance's platform (Python 3.11 on x86_64 Amazon Linux 2023).
PARENT_DIR = REPO_ROOT / "build" / "enclave-parent"
TRAINING_RUNNER_PACKAGE = REPO_ROOT / "training_runner"
ENCLAVE_APP_PACKAGE = REPO_ROOT / "enclave_app"  # the runner speaks its transport
PARENT_ARCHITECTURE = "x86_64"

LAMBDA_PYTHON_VERSION = "3.11"
PIP_PLATFORMS = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}
LAMBDA_LAYER_LIMIT_BYTES = 250 * 1024 * 1024  # unzipped, function code and all layers together
LAYER_DEPENDENCIES_ENV = "CMS_LAYER_DEPENDENCIES"

# Test suites and interpreter caches are not part of what runs in Lambda.
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "tests", ".pytest_cache")


class PackagingError(RuntimeError):
    """pip could not install the layer dependencies for the Lambda platform."""


@dataclass(frozen=True)
class LambdaAssets:
    layer: Path  # asset root of the layer; holds python/
    functions: Path  # asset root of the function code; holds functions/
    with_dependencies: bool


def layer_dependencies_enabled() -> bool:
    """Whether the layer gets its third-party dependencies (CMS_LAYER_DEPENDENCIES, default 1)."""
    return os.environ.get(LAYER_DEPENDENCIES_ENV, "1").strip().lower() not in {"0", "false", "no"}


def build_assets(
    architecture: str = "arm64", *, with_dependencies: bool | None = None
) -> LambdaAssets:
    if with_dependencies is None:
        with_dependencies = layer_dependencies_enabled()
    with _build_lock():
        return LambdaAssets(
            layer=_build_layer(architecture, with_dependencies),
            functions=_build_functions(),
            with_dependencies=with_dependencies,
        )


def build_parent_bundle(*, with_dependencies: bool | None = None) -> Path:
    """The enclave parent's code: ``python/`` with ``training_runner``, ``cms``,
    ``enclave_app`` (its transport; nothing that needs torch is imported) and (with
    dependencies) requirements.txt as x86_64 wheels; returns the asset root."""
    if with_dependencies is None:
        with_dependencies = layer_dependencies_enabled()
    root = PARENT_DIR / ("bundle" if with_dependencies else "bundle-source-only")
    with _build_lock():
        if with_dependencies:
            _install_dependencies(root, PARENT_ARCHITECTURE, PARENT_DIR / "bundle.stamp")
        _copy_cms(root)
        for package in (TRAINING_RUNNER_PACKAGE, ENCLAVE_APP_PACKAGE):
            _replace_tree(package, root / "python" / package.name)
    return root


def build_layer(architecture: str = "arm64", *, with_dependencies: bool = True) -> Path:
    """Build (or reuse) the layer folder alone; returns its asset root."""
    with _build_lock():
        return _build_layer(architecture, with_dependencies)


def directory_size(path: Path) -> int:
    """Bytes of all regular files below ``path`` (what Lambda counts as the unzipped size)."""
    return sum(entry.stat().st_size for entry in path.rglob("*") if entry.is_file())


def requirements_fingerprint(architecture: str) -> str:
    digest = hashlib.sha256(REQUIREMENTS.read_bytes())
    digest.update(f"\0{architecture}\0{LAMBDA_PYTHON_VERSION}".encode())
    return digest.hexdigest()


@contextmanager
def _build_lock() -> Iterator[None]:
    # Tests under xdist, the local stack and the CLI may build at the same time.
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    with (BUILD_DIR / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build_layer(architecture: str, with_dependencies: bool) -> Path:
    if architecture not in PIP_PLATFORMS:
        raise ValueError(f"unsupported architecture {architecture!r}")
    root = BUILD_DIR / ("layer" if with_dependencies else "layer-cms-only")
    if with_dependencies:
        _install_dependencies(root, architecture, BUILD_DIR / "layer.stamp")
    _copy_cms(root)
    return root


def _copy_cms(root: Path) -> None:
    """The cms package (and the wire formats it shares with the enclave) with the compiled
    contract artifacts, under ``root/python``."""
    _replace_tree(CMS_PACKAGE, root / "python" / "cms")
    _replace_tree(WIRE_PACKAGE, root / "python" / "cms_wire")
    shutil.copytree(CONTRACT_ARTIFACTS, root / LAYER_ARTIFACTS)


def _install_dependencies(root: Path, architecture: str, stamp: Path) -> None:
    fingerprint = requirements_fingerprint(architecture)
    if (root / "python").is_dir() and stamp.exists() and stamp.read_text() == fingerprint:
        return
    staging = root.with_name(root.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    _pip_install(staging / "python", architecture)
    # Swap only after pip succeeded, so an interrupted build never looks complete.
    shutil.rmtree(root, ignore_errors=True)
    staging.rename(root)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint)


def _pip_install(target: Path, architecture: str) -> None:
    command = [
        sys.executable, "-m", "pip", "install",
        "--quiet", "--disable-pip-version-check", "--no-input",
        "--target", str(target),
        "--platform", PIP_PLATFORMS[architecture],
        "--implementation", "cp",
        "--python-version", LAMBDA_PYTHON_VERSION,
        # Wheels only: an sdist would be built for this machine, not for Lambda.
        "--only-binary=:all:",
        "-r", str(REQUIREMENTS),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise PackagingError(
            f"pip could not install the layer for {architecture}:\n{result.stderr[-4000:]}"
        )


def _build_functions() -> Path:
    root = BUILD_DIR / "functions"
    _replace_tree(FUNCTIONS_PACKAGE, root / "functions")
    return root


def _replace_tree(source: Path, destination: Path) -> None:
    shutil.rmtree(destination, ignore_errors=True)
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, destination, ignore=_IGNORE)
