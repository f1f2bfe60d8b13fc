"""The local stack's KMS data key pairs (local_stack/moto_server.py), through boto3 against the
moto server: GenerateDataKeyPair(WithoutPlaintext) answer as AWS documents them, moto's
Decrypt opens the wrapped private key, and a circuit contract's input key travels the whole
custody path (made wrapped, released only to the simulated enclave's attested recipient key)."""

from __future__ import annotations

import base64

import boto3
import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cms.adapters.data_keys import KmsDataKeys
from cms.domain.attestation import development_root
from enclave_app.attestation_module import SimulatedModule
from enclave_app.key_release import Recipients
from local_stack.moto_server import LocalMotoServer
from local_stack.stack import aws_environment, free_port
from tests.aws_environment import pointing_at
from training_runner.key_release import KeyReleaseRefused, KmsKeyRelease, SimulatedKeyRelease


@pytest.fixture(scope="module")
def moto_env():
    port = free_port()
    server = LocalMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield aws_environment(port)
    server.stop()


@pytest.fixture
def kms(moto_env):
    with pointing_at(moto_env):  # the adapters' shared clients follow this server
        yield boto3.client("kms")


@pytest.fixture
def key_id(kms) -> str:
    return kms.create_key(Description="training data key")["KeyMetadata"]["KeyId"]


def test_a_p256_pair_without_plaintext(kms, key_id):
    answer = kms.generate_data_key_pair_without_plaintext(KeyId=key_id,
                                                          KeyPairSpec="ECC_NIST_P256")
    assert "PrivateKeyPlaintext" not in answer and answer["KeyPairSpec"] == "ECC_NIST_P256"
    assert answer["KeyId"].startswith("arn:aws:kms:") and answer["KeyId"].endswith(key_id)
    public = serialization.load_der_public_key(answer["PublicKey"])
    assert isinstance(public, ec.EllipticCurvePublicKey) and public.curve.name == "secp256r1"
    private_der = kms.decrypt(CiphertextBlob=answer["PrivateKeyCiphertextBlob"])["Plaintext"]
    private = serialization.load_der_private_key(private_der, password=None)
    assert private.public_key().public_numbers() == public.public_numbers()


def test_a_pair_with_plaintext_and_an_encryption_context(kms, key_id):
    context = {"cms:contract": "0x" + "ab" * 20}
    answer = kms.generate_data_key_pair(KeyId=key_id, KeyPairSpec="RSA_2048",
                                        EncryptionContext=context)
    private = serialization.load_der_private_key(answer["PrivateKeyPlaintext"], password=None)
    assert isinstance(private, rsa.RSAPrivateKey) and private.key_size == 2048
    assert kms.decrypt(CiphertextBlob=answer["PrivateKeyCiphertextBlob"],
                       EncryptionContext=context)["Plaintext"] == answer["PrivateKeyPlaintext"]
    with pytest.raises(ClientError, match="InvalidCiphertextException"):
        kms.decrypt(CiphertextBlob=answer["PrivateKeyCiphertextBlob"])


def test_refusals_are_the_ones_aws_gives(kms, key_id):
    with pytest.raises(ClientError, match="ValidationException"):
        kms.generate_data_key_pair_without_plaintext(KeyId=key_id, KeyPairSpec="ECC_NIST_P999")
    signing = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="ECC_NIST_P256")
    with pytest.raises(ClientError, match="InvalidKeyUsageException"):
        kms.generate_data_key_pair_without_plaintext(
            KeyId=signing["KeyMetadata"]["KeyId"], KeyPairSpec="ECC_NIST_P256")
    with pytest.raises(ClientError, match="NotFoundException"):
        kms.generate_data_key_pair_without_plaintext(
            KeyId="00000000-0000-0000-0000-000000000000", KeyPairSpec="ECC_NIST_P256")


def test_an_input_key_is_released_only_to_the_attested_enclave(kms, key_id):
    public_der, wrapped = KmsDataKeys(key_id).generate_input_key_pair()
    module, recipients = SimulatedModule(), Recipients()
    recipient_id, recipient_key = recipients.new()
    document = module.attest(public_key=recipient_key)
    release = SimulatedKeyRelease(key_id, development_root(module.root_pem),
                                  {module.pcrs[0].hex()}, kms=kms)
    private_der = recipients.open(recipient_id, release.for_recipient(wrapped, document))
    private = serialization.load_der_private_key(private_der, password=None)
    assert private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == public_der
    assert base64.b64encode(wrapped)  # the wrapped key is what the contract stores


def test_kms_refusing_a_release_is_a_refusal_not_an_outage(kms, key_id):
    """A blob KMS will not decrypt ends the job with a reason instead of being retried."""
    with pytest.raises(KeyReleaseRefused, match="InvalidCiphertextException"):
        KmsKeyRelease(key_id, kms=kms).for_recipient(b"not a ciphertext", b"document")
