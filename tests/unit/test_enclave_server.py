"""The enclave app over its transport, with the simulated attestation module."""

from __future__ import annotations

import base64
import hashlib

import pytest

from cms.domain.attestation import development_root, verify_document
from enclave_app.attestation_module import SimulatedModule
from enclave_app.server import EnclaveApp
from enclave_app.transport import Address, Server, request


@pytest.fixture(scope="module")
def enclave():
    module = SimulatedModule()
    server = Server(Address.parse("tcp://127.0.0.1:0"), EnclaveApp(module).handle).start()
    yield module, Address("tcp", "127.0.0.1", server.port)
    server.stop()


def test_health_says_simulated_and_gives_the_measurement(enclave):
    module, address = enclave
    answer = request(address, {"op": "health"})
    assert answer == {"ok": True, "result": {
        "simulated": True, "pcr0": module.pcrs[0].hex(),
        "development_root": module.root_pem.decode()}}  # what verifiers must be given


def test_an_attestation_binds_the_callers_nonce_and_data(enclave):
    module, address = enclave
    nonce, data = b"fresh-nonce-1234", hashlib.sha256(b"job").digest()
    answer = request(address, {"op": "attest", "nonce": base64.b64encode(nonce).decode(),
                               "user_data": base64.b64encode(data).decode()})
    raw = base64.b64decode(answer["result"]["document"])
    verified = verify_document(raw, trusted_roots=[development_root(module.root_pem)],
                               expected_nonce=nonce, expected_user_data=data)
    assert verified.development and answer["result"]["simulated"]


@pytest.mark.parametrize("message, reason", [
    ({"op": "format_disk"}, "unknown operation"),
    ({"op": "attest", "nonce": "not base64!"}, "nonce must be base64"),
    ({"op": "attest", "user_data": base64.b64encode(bytes(2000)).decode()}, "over 1024"),
])
def test_bad_requests_get_a_reason_and_change_nothing(enclave, message, reason):
    _, address = enclave
    answer = request(address, message)
    assert not answer["ok"] and reason in answer["detail"]
