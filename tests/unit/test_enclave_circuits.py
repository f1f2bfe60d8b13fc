"""Boolean circuits inside the enclave: inputs encrypted by the parties open only under the
contract's binding, refusals come before anything is opened, and the statement is attested the
way the contract checks it."""

from __future__ import annotations

import base64
import hashlib

import pytest
import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cms.domain.attestation import development_root, verify_document
from cms.domain.engine import circuits as domain
from cms.domain.engine.circuit_library import adder, comparator, equality
from enclave_app import circuits as enclave
from enclave_app.attestation_module import SimulatedModule, local_measurements
from enclave_app.key_release import Recipients
from enclave_app.server import EnclaveApp
from training_runner.key_release import envelope

CONTRACT = "0x" + "ab" * 20


@pytest.fixture(scope="module")
def module() -> SimulatedModule:
    return SimulatedModule()


class InputKey:
    """The contract's input key pair as KMS makes it (PKCS#8 DER private, SPKI DER public)."""

    def __init__(self) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.public_der = domain.public_key_der(self.private.public_key())
        self.private_der = self.private.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())


@pytest.fixture(scope="module")
def key() -> InputKey:
    return InputKey()


def request(recipients: Recipients, key: InputKey, circuit: dict, values: dict[str, int],
            *, released: bytes | None = None) -> dict:
    """An ``evaluate_circuit`` message as the parent sends it."""
    recipient_id, recipient_key = recipients.new()
    circuit_hash = domain.circuit_hash(circuit)
    widths = {party["name"]: party["bits"] for party in circuit["parties"]}
    return {"op": "evaluate_circuit", "recipient_id": recipient_id,
            "key": base64.b64encode(envelope(released or key.private_der,
                                             recipient_key)).decode(),
            "contract": CONTRACT, "circuit": circuit, "circuit_hash": circuit_hash,
            "input_public_key": base64.b64encode(key.public_der).decode(),
            "enclave_measurements": [local_measurements()[0].hex()],
            "inputs": {party: domain.encrypt_input(key.public_der, CONTRACT, party, circuit_hash,
                                                   domain.uint_bits(value, widths[party]))
                       for party, value in values.items()}}


def test_a_circuit_is_evaluated_on_inputs_only_the_enclave_opens(module, key):
    recipients = Recipients()
    circuit = comparator(16)
    answer = enclave.evaluate_circuit(request(recipients, key, circuit,
                                              {"alice": 40_000, "bob": 39_999}),
                                      recipients, module)
    statement = answer["statement"]
    assert statement["status"] == "evaluated" and statement["outputs"] == {"a_greater": True}
    assert statement["invalid_inputs"] == [] and statement["gates"] == len(circuit["gates"])
    assert statement["contract"] == CONTRACT and statement["format"] == domain.RESULT_FORMAT
    assert statement["circuit_hash"] == domain.circuit_hash(circuit)
    assert statement["input_key_sha256"] == hashlib.sha256(key.public_der).hexdigest()
    verified = verify_document(base64.b64decode(answer["document"]),
                               trusted_roots=[development_root(module.root_pem)],
                               expected_user_data=hashlib.sha256(
                                   rfc8785.dumps(statement)).digest())
    assert verified.document.pcrs[0] == local_measurements()[0]
    assert recipients._keys == {}  # the recipient key is used once


def test_the_statement_names_each_ciphertexts_hash(module, key):
    recipients = Recipients()
    message = request(recipients, key, adder(8), {"alice": 200, "bob": 100})
    statement = enclave.evaluate_circuit(message, recipients, module)["statement"]
    assert statement["outputs"] == {"sum": "300"}
    assert statement["inputs"] == {
        party: hashlib.sha256(base64.b64decode(text)).hexdigest()
        for party, text in message["inputs"].items()}


@pytest.mark.parametrize("tamper", ["swap", "other_contract", "flip", "padding"])
def test_a_ciphertext_that_does_not_open_under_its_binding_is_named(module, key, tamper):
    recipients = Recipients()
    circuit = equality(4)
    message = request(recipients, key, circuit, {"alice": 5, "bob": 9})
    circuit_hash = message["circuit_hash"]
    if tamper == "swap":  # bob resubmits alice's ciphertext to learn equality with hers
        message["inputs"]["bob"] = message["inputs"]["alice"]
    elif tamper == "other_contract":
        message["inputs"]["bob"] = domain.encrypt_input(
            key.public_der, "0x" + "cd" * 20, "bob", circuit_hash, [1, 0, 0, 1])
    elif tamper == "flip":
        raw = bytearray(base64.b64decode(message["inputs"]["bob"]))
        raw[-1] ^= 1
        message["inputs"]["bob"] = base64.b64encode(bytes(raw)).decode()
    else:  # 8 bits where the circuit takes 4: a padding bit is set
        message["inputs"]["bob"] = domain.encrypt_input(
            key.public_der, CONTRACT, "bob", circuit_hash, [1, 0, 0, 1, 0, 0, 0, 1])
    statement = enclave.evaluate_circuit(message, recipients, module)["statement"]
    assert statement["status"] == "rejected" and statement["invalid_inputs"] == ["bob"]
    assert statement["outputs"] is None and statement["gates"] == 0


@pytest.mark.parametrize("change, reason", [
    ("image", "not among the contract's 1 allowed"),
    ("circuit", "hash is not the one named"),
    ("key", "not the contract's input key"),
    ("recipient", "not released to this enclave"),
    ("parties", "not exactly the circuit's parties"),
])
def test_refusals_come_with_a_reason(module, key, change, reason):
    recipients = Recipients()
    message = request(recipients, key, comparator(4), {"alice": 1, "bob": 2},
                      released=InputKey().private_der if change == "key" else None)
    if change == "image":
        message["enclave_measurements"] = ["ab" * 48]
    elif change == "circuit":
        message["circuit"] = comparator(5)
    elif change == "recipient":
        message["recipient_id"] = "unknown"
    elif change == "parties":
        del message["inputs"]["bob"]
    with pytest.raises(enclave.CircuitError, match=reason):
        enclave.evaluate_circuit(message, recipients, module)


def test_a_malformed_circuit_is_an_error_not_a_crash(module, key):
    recipients = Recipients()
    circuit = comparator(2)
    circuit["gates"].append(["AND", 0, -1, circuit["wires"]])  # -1: "behind" the list
    circuit["wires"] += 1
    message = request(recipients, key, comparator(2), {"alice": 1, "bob": 2})
    message["circuit"] = circuit
    message["circuit_hash"] = hashlib.sha256(rfc8785.dumps(circuit)).hexdigest()
    message["inputs"] = {party: domain.encrypt_input(key.public_der, CONTRACT, party,
                                                     message["circuit_hash"], [1, 0])
                         for party in ("alice", "bob")}
    with pytest.raises(enclave.CircuitError, match="read before it is set"):
        enclave.evaluate_circuit(message, recipients, module)


def test_the_server_serves_evaluate_circuit(module, key):
    app = EnclaveApp(module)
    message = request(app._recipients, key, equality(3), {"alice": 6, "bob": 6})
    answer = app.handle(message, lambda progress: {})
    assert answer["statement"]["outputs"] == {"equal": True} and answer["simulated"] is True
