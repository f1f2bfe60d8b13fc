"""The TypeScript SDK (@cms/sdk) against the served API: its committed OpenAPI document and the
types generated from it are the served ones, and a Node program signs in with both key kinds,
calls a typed route, gets a typed problem and logs out."""

from __future__ import annotations

import json
import subprocess

import httpx
import pytest

from cms.config import Settings
from tests.conftest import REPO
from tests.e2e.conformance import DOCUMENT_PATH

pytestmark = pytest.mark.e2e

SDK = REPO / "sdk" / "typescript"
BIN = SDK / "node_modules" / ".bin"


def test_the_committed_document_and_types_are_the_served_ones(stack, tmp_path) -> None:
    served = httpx.get(stack.url + DOCUMENT_PATH, timeout=30).json()
    committed = json.loads((SDK / "openapi.json").read_text(encoding="utf-8"))
    assert committed == served, (
        "sdk/typescript/openapi.json differs from the served document: export it again and "
        "run `npm run generate` in sdk/typescript (docs/web.md)")
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(served, indent=2, ensure_ascii=False), encoding="utf-8")
    generated = tmp_path / "schema.ts"
    subprocess.run([str(BIN / "openapi-typescript"), str(document), "-o", str(generated)],
                   cwd=SDK, check=True, capture_output=True, timeout=120)
    assert generated.read_text(encoding="utf-8") == (
        SDK / "src" / "generated" / "schema.ts").read_text(encoding="utf-8"), (
        "sdk/typescript/src/generated/schema.ts is stale: run `npm run generate` there")


def test_a_node_program_signs_in_with_both_key_kinds_and_logs_out(stack) -> None:
    # After logout the script waits out the authorizer's cache before expecting a 401.
    cache_s = Settings().authorizer_cache_ttl_s
    run = subprocess.run([str(BIN / "tsx"), "scripts/e2e-sign-in.ts", stack.url, str(cache_s)],
                         check=False, cwd=SDK, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout.strip().splitlines()[-1])
    for kind, prefix in (("ed25519", "did:key:z6Mk"), ("ethereum", "did:pkh:eip155:31337:0x")):
        journey = results[kind]
        assert journey["did"].startswith(prefix)
        assert journey["registered"] == journey["signedInAs"] == journey["me"] == journey["did"]
        assert journey["expiresAt"].endswith("Z") or "+" in journey["expiresAt"]
        assert journey["missing"] == {"code": "not_found", "status": 404}
        assert journey["afterLogout"] == {"code": "unauthorized", "status": 401}
    assert results["keyMismatch"] == {"code": "key_mismatch", "status": 400}
