"""Key release to the enclave: a KMS data key the parent holds only wrapped, released as a CMS
envelope to the attested recipient key (moto's KMS underneath; the simulated release stands in
for KMS's attestation condition)."""

from __future__ import annotations

import os

import boto3
import pytest

from cms.domain.attestation import development_root
from enclave_app.attestation_module import SimulatedModule
from enclave_app.key_release import EnvelopeError, Recipients, open_envelope
from training_runner.key_release import KeyReleaseRefused, SimulatedKeyRelease, envelope

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def module() -> SimulatedModule:
    return SimulatedModule()


@pytest.fixture
def release(stack, module) -> SimulatedKeyRelease:
    key_id = boto3.client("kms").create_key()["KeyMetadata"]["KeyId"]
    return SimulatedKeyRelease(key_id, development_root(module.root_pem),
                               {module.pcrs[0].hex()})


def recipient(module: SimulatedModule, recipients: Recipients) -> tuple[str, bytes]:
    recipient_id, public_key = recipients.new()
    return recipient_id, module.attest(public_key=public_key)


def test_the_attested_recipient_and_only_it_opens_the_released_key(release, module):
    recipients = Recipients()
    wrapped = release.new_wrapped_key()
    recipient_id, document = recipient(module, recipients)
    key = recipients.open(recipient_id, release.for_recipient(wrapped, document))
    assert len(key) == 32 and key not in wrapped
    other_id, other_document = recipient(module, recipients)
    assert recipients.open(other_id, release.for_recipient(wrapped, other_document)) == key
    with pytest.raises(EnvelopeError):
        recipients.open(other_id, release.for_recipient(wrapped, document)[:-5])


def test_an_image_outside_the_policy_or_another_root_gets_nothing(release, module):
    recipients = Recipients()
    wrapped = release.new_wrapped_key()
    other_image = SimulatedModule(pcrs={**module.pcrs, 0: bytes(range(48))})
    other_image.root, other_image._root_key = module.root, module._root_key
    other_image._rotate_leaf()
    with pytest.raises(KeyReleaseRefused, match="not allowed by the key policy"):
        release.for_recipient(wrapped, recipient(other_image, recipients)[1])
    with pytest.raises(KeyReleaseRefused, match="not valid"):
        release.for_recipient(wrapped, recipient(SimulatedModule(), recipients)[1])
    with pytest.raises(KeyReleaseRefused, match="no public key"):
        release.for_recipient(wrapped, module.attest())


def test_envelopes_carry_any_bytes_exactly():
    recipients = Recipients()
    for content in (b"\n" * 32, b"\r\n" * 16, os.urandom(32), b"x"):
        recipient_id, public_key = recipients.new()
        assert recipients.open(recipient_id, envelope(content, public_key)) == content


def test_malformed_envelopes_are_refused():
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for junk in (b"", b"\x30\x03\x06\x01\x00", b"\x30\x82\xff\xff" + b"\x00" * 8):
        with pytest.raises(EnvelopeError):
            open_envelope(junk, key)
