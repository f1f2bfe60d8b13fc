"""cms-circuit-input/v1 across implementations: the committed shared vectors are what the
Python encryption makes now, and what the TypeScript SDK seals in Node (fresh randomness)
opens with Python's ``open_input`` under the right binding only."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization

from cms_wire.circuit_inputs import input_aad, open_input
from tests.conftest import REPO
from tests.vectors import circuit_input_vectors

SDK = REPO / "sdk" / "typescript"
TSX = SDK / "node_modules" / ".bin" / "tsx"


def test_the_committed_vectors_are_current():
    assert circuit_input_vectors.FILE.read_text(encoding="utf-8") == circuit_input_vectors.text(), (
        "run python -m tests.vectors.circuit_input_vectors")


def test_each_vector_opens_to_its_bits():
    vectors = circuit_input_vectors.vectors()
    key = _recipient(vectors)
    for vector in vectors["vectors"]:
        sealed = base64.b64decode(vector["ciphertext"])
        aad = vector["aad"].encode()
        assert open_input(key, sealed, aad, len(vector["bits"])) == vector["bits"]


@pytest.mark.skipif(shutil.which("node") is None or not TSX.exists(),
                    reason="the TypeScript SDK's packages are not installed (npm ci there)")
def test_python_opens_what_the_typescript_sdk_sealed():
    vectors = circuit_input_vectors.vectors()
    contract, circuit_hash = "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4", "cd" * 32
    info = {"contract": contract, "circuit_hash": circuit_hash,
            "input_public_key": vectors["recipient_public_key"],
            "parties": [{"name": "alice", "bits": 16}, {"name": "bob", "bits": 9}]}
    inputs = [{"party": "alice", "value": "41000"}, {"party": "bob", "value": "300"}]
    run = subprocess.run([str(TSX), "scripts/seal-circuit-input.ts",
                          json.dumps({"info": info, "inputs": inputs})],
                         cwd=SDK, check=False, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    alice, bob = (base64.b64decode(line) for line in run.stdout.split())
    key = _recipient(vectors)
    assert open_input(key, alice, input_aad(contract, "alice", circuit_hash), 16) == [
        (41_000 >> i) & 1 for i in range(16)]
    assert open_input(key, bob, input_aad(contract, "bob", circuit_hash), 9) == [
        (300 >> i) & 1 for i in range(9)]
    # Bound to its party: alice's ciphertext does not open as bob's.
    assert open_input(key, alice, input_aad(contract, "bob", circuit_hash), 16) is None


def _recipient(vectors):
    return serialization.load_der_private_key(
        base64.b64decode(vectors["recipient_private_pkcs8"]), password=None)
