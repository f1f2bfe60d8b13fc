"""The enclave's attestation modules: the simulated one's documents verify only against its
development root (and say so); the real device is refused outside an enclave."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from cms.domain.attestation import (
    AttestationInvalid,
    AttestationRejected,
    development_root,
    parse_document,
    verify_document,
)
from enclave_app.attestation_module import (
    DeviceUnavailable,
    NitroSecureModule,
    SimulatedModule,
    attestation_module,
    local_measurements,
)


@pytest.fixture(scope="module")
def module() -> SimulatedModule:
    return SimulatedModule()


def test_a_simulated_document_verifies_only_against_its_development_root(module):
    user_data = hashlib.sha256(b"model").digest()
    raw = module.attest(user_data=user_data, nonce=b"n" * 16)
    with pytest.raises(AttestationInvalid) as refused:
        verify_document(raw)  # the default: AWS's root only
    assert refused.value.extra["reason"] == "untrusted_root"
    verified = verify_document(raw, trusted_roots=[development_root(module.root_pem)],
                               expected_nonce=b"n" * 16, expected_user_data=user_data,
                               expected_pcrs={0: module.pcrs[0].hex()})
    assert verified.development and not verified.debug_mode
    assert verified.document.module_id.startswith("simulated-")


def test_the_image_measurement_pins_the_code(module):
    raw = module.attest()
    other = dict(local_measurements())
    other[0] = hashlib.sha384(b"another trainer").digest()
    with pytest.raises(AttestationRejected) as refused:
        verify_document(raw, trusted_roots=[development_root(module.root_pem)],
                        expected_pcrs={0: other[0]})
    assert refused.value.extra["reason"] == "pcr_mismatch"
    assert parse_document(raw).pcrs == module.pcrs and len(module.pcrs) == 16


def test_another_simulators_root_is_not_trusted(module):
    stranger = SimulatedModule()
    with pytest.raises(AttestationInvalid):
        verify_document(stranger.attest(), trusted_roots=[development_root(module.root_pem)])


def test_documents_go_stale(module):
    raw = module.attest()
    document = parse_document(raw)
    with pytest.raises(AttestationRejected) as refused:
        verify_document(raw, trusted_roots=[development_root(module.root_pem)],
                        at=document.timestamp + timedelta(minutes=10))
    assert refused.value.extra["reason"] == "stale"


def test_the_real_device_is_refused_outside_an_enclave(tmp_path, monkeypatch):
    with pytest.raises(DeviceUnavailable):
        NitroSecureModule(str(tmp_path / "nsm"))
    monkeypatch.delenv("CMS_ENCLAVE_SIMULATED", raising=False)
    with pytest.raises(DeviceUnavailable):
        attestation_module()  # never falls back to the simulator silently
    monkeypatch.setenv("CMS_ENCLAVE_SIMULATED", "1")
    assert attestation_module().simulated
