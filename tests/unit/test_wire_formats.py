"""The wire formats the platform and the enclave image share (cms_wire): evaluation, input
ciphertexts, sealed datasets, statements, and the package's independence from both sides."""

from __future__ import annotations

import ast
import hashlib
import random
import sys
from pathlib import Path

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric import ec

import cms_wire
from cms.domain.engine.circuit_library import adder, comparator, equality
from cms_wire.circuit_inputs import (
    INPUT_MAGIC,
    ciphertext_size,
    input_aad,
    open_input,
    seal_input,
)
from cms_wire.circuits import (
    RESULT_FIELDS,
    RESULT_FORMAT,
    MalformedCircuit,
    circuit_hash,
    evaluate,
    outputs_json,
    result_statement,
)
from cms_wire.datasets import SealedDatasetError, open_dataset, seal_dataset
from cms_wire.statements import statement_user_data
from cms_wire.training import Statement, spent_epsilon

CONTRACT = "0x" + "AB" * 20


def bits_of(value: int, width: int) -> list[int]:
    return [value >> index & 1 for index in range(width)]


# --- circuits -----------------------------------------------------------------------------

@pytest.mark.parametrize("build, meaning", [
    (comparator, lambda a, b: {"a_greater": a > b}),
    (adder, lambda a, b: {"sum": a + b}),
    (equality, lambda a, b: {"equal": a == b}),
])
def test_the_evaluator_computes_what_the_circuits_mean(build, meaning):
    rng = random.Random(7)
    for width in (1, 2, 8, 33):
        circuit = build(width)
        for _ in range(20):
            a, b = rng.randrange(1 << width), rng.randrange(1 << width)
            b = a if rng.random() < 0.2 else b
            outputs = evaluate(circuit, {"alice": bits_of(a, width), "bob": bits_of(b, width)})
            assert outputs == meaning(a, b)


def test_outputs_travel_as_json_with_uints_as_decimal_strings():
    outputs = evaluate(adder(64), {"alice": bits_of(2**63, 64), "bob": bits_of(2**63, 64)})
    assert outputs_json(outputs) == {"sum": str(2**64)}
    assert outputs_json({"equal": True}) == {"equal": True}


def _with_gate(gate: list, wires: int) -> dict:
    """comparator(2) (wires 0-12) grown to ``wires`` wires, with ``gate`` appended."""
    circuit = comparator(2)
    circuit["wires"] = wires
    circuit["gates"].append(gate)
    return circuit


@pytest.mark.parametrize("circuit, message", [
    (_with_gate(["NOT", 0, 1, 13], 14), "malformed NOT"),  # two inputs to a one-input gate
    (_with_gate(["NOT", 1, 0], 13), "malformed NOT"),  # writes an input wire again
    (_with_gate(["AND", 0, 13, 14], 15), "wire 13 is read before it is set"),
    (_with_gate(["AND", 0, -1, 13], 14), "wire -1 is read before it is set"),  # behind the list
    ({**comparator(2), "wires": 0}, "over the format's limits"),
    ({**comparator(2), "parties": [{"name": "alice", "bits": 2}, {"name": "bob", "bits": 3}]},
     "do not fit"),
])
def test_a_circuit_that_cannot_be_evaluated_is_refused_by_name(circuit, message):
    with pytest.raises(MalformedCircuit, match=message):
        evaluate(circuit, {"alice": [1, 0], "bob": [0, 1]})


def test_the_circuit_hash_is_sha256_of_the_canonical_json():
    circuit = equality(4)
    assert circuit_hash(circuit) == hashlib.sha256(rfc8785.dumps(circuit)).hexdigest()


def test_a_result_statement_has_exactly_the_fields_the_contract_checks():
    common = {"contract": CONTRACT.lower(), "circuit_hash": "c" * 64,
              "input_key_sha256": "k" * 64, "inputs": {"alice": "a" * 64, "bob": "b" * 64}}
    evaluated = result_statement(**common, outputs={"equal": True}, invalid_inputs=[], gates=7)
    rejected = result_statement(**common, outputs=None, invalid_inputs=["bob", "alice"],
                                gates=7)
    assert set(evaluated) == set(rejected) == RESULT_FIELDS
    assert evaluated["format"] == RESULT_FORMAT and evaluated["status"] == "evaluated"
    assert (evaluated["outputs"], evaluated["gates"]) == ({"equal": True}, 7)
    assert rejected["status"] == "rejected" and rejected["invalid_inputs"] == ["alice", "bob"]
    assert (rejected["outputs"], rejected["gates"]) == (None, 0)


# --- circuit inputs -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def test_an_input_opens_under_its_key_and_binding_only(key):
    aad = input_aad(CONTRACT, "alice", "f" * 64)
    sealed = seal_input(key.public_key(), aad, [1, 0, 1, 1, 0, 0, 0, 0, 1])
    assert sealed.startswith(INPUT_MAGIC) and len(sealed) == ciphertext_size(9)
    assert open_input(key, sealed, aad, 9) == [1, 0, 1, 1, 0, 0, 0, 0, 1]
    for other in (input_aad(CONTRACT, "bob", "f" * 64), input_aad("0x" + "cd" * 20, "alice",
                                                                  "f" * 64),
                  input_aad(CONTRACT, "alice", "e" * 64)):
        assert open_input(key, sealed, other, 9) is None
    assert open_input(ec.generate_private_key(ec.SECP256R1()), sealed, aad, 9) is None
    flipped = sealed[:-1] + bytes([sealed[-1] ^ 1])
    assert open_input(key, flipped, aad, 9) is None
    assert open_input(key, sealed[:20], aad, 9) is None


def test_an_input_of_another_width_or_with_padding_bits_set_does_not_open(key):
    aad = input_aad(CONTRACT, "alice", "f" * 64)
    assert open_input(key, seal_input(key.public_key(), aad, [1] * 9), aad, 4) is None
    padded = seal_input(key.public_key(), aad, [1, 0, 0, 0, 1])  # five bits where four go
    assert open_input(key, padded, aad, 4) is None


def test_the_binding_names_the_contract_in_lower_case():
    assert input_aad(CONTRACT, "bob", "0" * 64) == input_aad(CONTRACT.lower(), "bob", "0" * 64)


def test_only_bits_are_sealed(key):
    with pytest.raises(ValueError, match="0/1"):
        seal_input(key.public_key(), b"aad", [0, 2])


# --- datasets -----------------------------------------------------------------------------

def test_a_dataset_opens_only_under_its_key_and_location():
    archive, key, uri = b"PK\x03\x04 zipped idx files", b"k" * 32, "s3://b/training/d.sealed"
    sealed = seal_dataset(archive, key, uri)
    assert open_dataset(sealed, key, uri) == archive
    for wrong_key, wrong_uri in ((b"x" * 32, uri), (key, uri + "2"), (b"short", uri)):
        with pytest.raises(SealedDatasetError, match="does not decrypt"):
            open_dataset(sealed, wrong_key, wrong_uri)
    with pytest.raises(SealedDatasetError, match="not a sealed"):
        open_dataset(archive, key, uri)


# --- statements ---------------------------------------------------------------------------

STATEMENT = Statement(job_id="j-1", contract_id="c-1", contract_digest="d" * 64, model="mlp",
                      model_sha256="m" * 64, dataset_sha256="s" * 64, epsilon_spent="1.5",
                      delta=1e-5, accountant="rdp", accountant_version="1.6.0", epochs=3,
                      test_accuracy=0.97, stopped="completed")


def test_a_training_statement_round_trips_and_binds_by_its_canonical_hash():
    data = STATEMENT.to_json()
    assert data["format"] == "cms-training-statement/v1"
    assert Statement.from_json(data) == STATEMENT
    assert STATEMENT.user_data() == statement_user_data(data) == hashlib.sha256(
        rfc8785.dumps(data)).digest()


@pytest.mark.parametrize("change", [
    lambda d: d.update(format="cms-training-statement/v2"),
    lambda d: d.update(extra=1),
    lambda d: d.pop("epochs"),
    lambda d: d.update(model=None),
])
def test_a_statement_this_version_does_not_write_is_refused(change):
    data = STATEMENT.to_json()
    change(data)
    with pytest.raises(ValueError):
        Statement.from_json(data)


def test_spent_epsilon_is_rounded_up_to_nine_places():
    assert spent_epsilon(0.1234567891) == "0.123456790"
    assert spent_epsilon(2.5) == "2.500000000"


# --- the package itself -------------------------------------------------------------------

def test_the_package_needs_neither_side_nor_torch():
    allowed = set(sys.stdlib_module_names) | {"__future__", "cms_wire", "cryptography",
                                              "rfc8785"}
    package = Path(cms_wire.__file__).parent
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.module
                     else [])
            assert {name.split(".")[0] for name in names} <= allowed, (path.name, names)
