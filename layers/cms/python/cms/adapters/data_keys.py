"""Keys under the training data key, the KMS key only the attested enclave image may use to
decrypt (its key policy's ``kms:RecipientAttestation`` condition, cdk/data_stack.py): AES data
keys that seal training datasets, and circuit contracts' input key pairs (the port:
cms.ports.data_keys.DataKeys)."""

from __future__ import annotations

from cms.adapters.aws import attempt, client
from cms.domain.errors import DependencyUnavailable

INPUT_KEY_PAIR_SPEC = "ECC_NIST_P256"  # what cms.domain.engine.circuits encrypts to


class KmsDataKeys:
    def __init__(self, key_id: str | None) -> None:
        self.key_id = key_id

    def _key(self) -> str:
        if not self.key_id:
            raise DependencyUnavailable("no training data key is configured")
        return self.key_id

    def generate(self) -> tuple[bytes, bytes]:
        """(plaintext, wrapped): seal with the first and forget it; keep the second."""
        response = attempt("make a dataset key", lambda: client("kms").generate_data_key(
            KeyId=self._key(), KeySpec="AES_256"))
        return response["Plaintext"], response["CiphertextBlob"]

    def generate_input_key_pair(self) -> tuple[bytes, bytes]:
        """(public key as DER SubjectPublicKeyInfo, wrapped DER PKCS#8 private key) of a new
        P-256 pair. KMS makes it and returns the private half only encrypted under the
        training data key: nobody outside the attested enclave ever holds it in the clear."""
        response = attempt("make a circuit input key pair",
                           lambda: client("kms").generate_data_key_pair_without_plaintext(
                               KeyId=self._key(), KeyPairSpec=INPUT_KEY_PAIR_SPEC))
        return response["PublicKey"], response["PrivateKeyCiphertextBlob"]
