"""Data keys for training datasets, from the KMS key only the attested enclave image may use
to decrypt (its key policy's ``kms:RecipientAttestation`` condition, cdk/data_stack.py)."""

from __future__ import annotations

from cms.adapters.aws import attempt, client
from cms.domain.errors import DependencyUnavailable


class DataKeys:
    def __init__(self, key_id: str | None) -> None:
        self.key_id = key_id

    def generate(self) -> tuple[bytes, bytes]:
        """(plaintext, wrapped): seal with the first and forget it; keep the second."""
        if not self.key_id:
            raise DependencyUnavailable("no training data key is configured")
        response = attempt("make a dataset key", lambda: client("kms").generate_data_key(
            KeyId=self.key_id, KeySpec="AES_256"))
        return response["Plaintext"], response["CiphertextBlob"]
