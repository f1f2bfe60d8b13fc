"""Synthesize the CDK app from Python and get the CloudFormation templates, cached.

    from cdk.synth import synthesize
    templates = synthesize()  # {"CmsData": {...}, "CmsApi": {...}, "CmsObservability": {...}}

The app runs in a subprocess (``python -m cdk.app``): jsii's Node runtime, the handler imports
and the asset builds stay out of the caller's process. The result is cached in
``build/cdk.out`` under a hash of everything that shapes it (cdk/, functions/, layers/,
training_runner/, enclave_app/, requirements.txt, cdk.json, web/security-headers.json, whether
web/dist is built, the enclave image file named by context ``enclave_eif``, the options below);
a call with nothing changed only hashes the sources and reads the stacks' JSON files.

This module imports nothing from aws_cdk, so importing it is cheap.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTDIR = REPO_ROOT / "build" / "cdk.out"
SOURCES = ("cdk", "functions", "layers", "cms_wire", "contracts/artifacts", "training_runner",
           "enclave_app", "requirements.txt", "cdk.json",
           "web/security-headers.json")  # CmsWeb reads the headers at synth time
# CmsWeb's template depends on whether the UI is built, and (through its asset hash only) on
# the build's bytes. Only the first counts here: a UI rebuild need not cost the tests and the
# local stack a new synthesis; `cdk deploy` synthesizes afresh anyway.
WEB_BUILD = REPO_ROOT / "web" / "dist" / "index.html"
STAMP_FILE = ".cms-source-hash"
_APP_ENVIRONMENT = ("CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION")
_SKIPPED_DIRS = {"__pycache__", "tests", ".pytest_cache"}
_SKIPPED_SUFFIXES = {".pyc", ".pyo"}


class SynthError(RuntimeError):
    """The CDK app failed (including cdk-nag findings that are not acknowledged)."""


def synthesize(
    outdir: Path | None = None,
    *,
    layer_dependencies: bool | None = None,
    context: Mapping[str, Any] | None = None,
) -> dict[str, dict]:
    """Templates of every stack, keyed by stack name.

    ``layer_dependencies=False`` builds the layer with the ``cms`` package only (no pip step,
    no network); None follows ``CMS_LAYER_DEPENDENCIES`` (default: with dependencies).
    ``context`` overrides CDK context keys from cdk.json (see docs/deploy.md).
    """
    outdir = Path(outdir or DEFAULT_OUTDIR).resolve()
    if layer_dependencies is None:
        layer_dependencies = _env_flag("CMS_LAYER_DEPENDENCIES", default=True)
    options = {
        "layer_dependencies": layer_dependencies,
        "context": dict(context or {}),
        # The only environment the app reads besides CMS_LAYER_DEPENDENCIES (cdk/context.py).
        "environment": {name: os.environ.get(name) for name in _APP_ENVIRONMENT},
    }
    fingerprint = source_fingerprint(options)
    with _lock():
        if _read_stamp(outdir) != fingerprint:
            _run_app(outdir, layer_dependencies, options["context"])
            (outdir / STAMP_FILE).write_text(fingerprint)
        return load_templates(outdir)


def load_templates(outdir: Path) -> dict[str, dict]:
    """Templates of the stacks in a cloud assembly directory, keyed by stack name."""
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    templates: dict[str, dict] = {}
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        properties = artifact.get("properties", {})
        name = properties.get("stackName", artifact_id)
        template_path = outdir / properties["templateFile"]
        templates[name] = json.loads(template_path.read_text(encoding="utf-8"))
    return templates


def source_fingerprint(options: Mapping[str, Any]) -> str:
    """SHA-256 over the source files (paths and contents) and the synth options."""
    digest = hashlib.sha256(json.dumps(options, sort_keys=True, default=str).encode())
    for path in _source_files():
        digest.update(str(path.relative_to(REPO_ROOT)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    digest.update(b"web built\0" if WEB_BUILD.is_file() else b"web not built\0")
    image = _enclave_image(options.get("context", {}))
    if image is not None and image.is_file():  # an asset of CmsEnclave: its bytes count
        with image.open("rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()


def _enclave_image(context: Mapping[str, Any]) -> Path | None:
    """The file context ``enclave_eif`` names (given, else from cdk.json), if any."""
    value = context.get("enclave_eif")
    if value is None and (REPO_ROOT / "cdk.json").is_file():
        cdk_json = json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))
        value = cdk_json.get("context", {}).get("enclave_eif")
    if not value:
        return None
    path = Path(str(value))
    return path if path.is_absolute() else REPO_ROOT / path


def _source_files() -> list[Path]:
    files: list[Path] = []
    for name in SOURCES:
        root = REPO_ROOT / name
        if root.is_file():
            files.append(root)
            continue
        for directory, subdirs, filenames in os.walk(root):
            subdirs[:] = sorted(d for d in subdirs if d not in _SKIPPED_DIRS)
            files.extend(
                Path(directory, filename)
                for filename in sorted(filenames)
                if Path(filename).suffix not in _SKIPPED_SUFFIXES
            )
    return files


def _run_app(outdir: Path, layer_dependencies: bool, context: Mapping[str, Any]) -> None:
    staging = outdir.with_name(outdir.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    environment = {
        **os.environ,
        "CDK_OUTDIR": str(staging),
        "CMS_LAYER_DEPENDENCIES": "1" if layer_dependencies else "0",
        # Templates only: asset folders are referenced where they are, not copied (the layer
        # alone is ~150 MB). `cdk deploy` run by the CLI stages them as usual.
        "CDK_CONTEXT_JSON": json.dumps({"aws:cdk:disable-asset-staging": True, **context}),
    }
    result = subprocess.run(
        [sys.executable, "-m", "cdk.app"],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise SynthError(f"cdk synth failed:\n{result.stdout[-8000:]}\n{result.stderr[-8000:]}")
    # Replace the previous assembly only once the new one is complete.
    shutil.rmtree(outdir, ignore_errors=True)
    staging.rename(outdir)


def _read_stamp(outdir: Path) -> str | None:
    stamp = outdir / STAMP_FILE
    if not stamp.exists() or not (outdir / "manifest.json").exists():
        return None
    return stamp.read_text().strip()


@contextmanager
def _lock() -> Iterator[None]:
    # pytest-xdist workers and the local stack may synthesize at the same time. One lock for
    # every output directory: all syntheses rebuild the same Lambda asset folders
    # (build/lambda), which one process must not replace while another's app hashes them.
    DEFAULT_OUTDIR.parent.mkdir(parents=True, exist_ok=True)
    with (DEFAULT_OUTDIR.parent / "synth.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _env_flag(name: str, *, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() not in {"0", "false", "no", "off"}
