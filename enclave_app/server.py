"""The enclave's request handlers, served over the transport (vsock in AWS, TCP locally).

``health`` says which attestation module answers (a simulated one says so) and the image
measurement; ``attest`` returns a document binding the caller's nonce and user data;
``recipient`` makes a key pair for KMS to wrap keys to (its public key in an attestation
document); ``train`` runs a job (enclave_app/jobs.py); ``evaluate_circuit`` evaluates a
boolean-circuit contract on its parties' encrypted inputs (enclave_app/circuits.py).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from enclave_app.attestation_module import AttestationModule
from enclave_app.circuits import evaluate_circuit
from enclave_app.jobs import run_job
from enclave_app.key_release import Recipients
from enclave_app.transport import Converse

MAX_NONCE = 512
MAX_USER_DATA = 1024  # the NSM's own limits for these fields


class RequestError(ValueError):
    """A request the enclave will not act on (the parent gets the reason)."""


class EnclaveApp:
    def __init__(self, module: AttestationModule) -> None:
        self._module = module
        self._recipients = Recipients()
        self._operations: dict[str, Callable[[dict[str, Any], Converse], dict[str, Any]]] = {
            "health": self._health, "attest": self._attest, "recipient": self._recipient,
            "train": self._train, "evaluate_circuit": self._evaluate_circuit}

    def handle(self, message: dict[str, Any], converse: Converse) -> dict[str, Any]:
        operation = self._operations.get(str(message.get("op")))
        if operation is None:
            raise RequestError(f"unknown operation {message.get('op')!r}")
        return operation(message, converse)

    def _health(self, _: dict[str, Any], __: Converse) -> dict[str, Any]:
        pcrs = getattr(self._module, "pcrs", None)
        root = getattr(self._module, "root_pem", None)  # a simulated module's development root
        return {"simulated": self._module.simulated,
                "pcr0": pcrs[0].hex() if pcrs else None,
                "development_root": root.decode() if root else None}

    def _recipient(self, _: dict[str, Any], __: Converse) -> dict[str, Any]:
        recipient_id, public_key = self._recipients.new()
        document = self._module.attest(public_key=public_key)
        return {"recipient_id": recipient_id,
                "document": base64.b64encode(document).decode()}

    def _train(self, message: dict[str, Any], converse: Converse) -> dict[str, Any]:
        return run_job(message, self._recipients, self._module, converse)

    def _evaluate_circuit(self, message: dict[str, Any], _: Converse) -> dict[str, Any]:
        return evaluate_circuit(message, self._recipients, self._module)

    def _attest(self, message: dict[str, Any], _: Converse) -> dict[str, Any]:
        nonce = _bytes(message, "nonce", MAX_NONCE)
        user_data = _bytes(message, "user_data", MAX_USER_DATA)
        document = self._module.attest(nonce=nonce, user_data=user_data)
        return {"document": base64.b64encode(document).decode(),
                "simulated": self._module.simulated}


def _bytes(message: dict[str, Any], name: str, limit: int) -> bytes | None:
    value = message.get(name)
    if value is None:
        return None
    try:
        decoded = base64.b64decode(value, validate=True)
    except (TypeError, ValueError):
        raise RequestError(f"{name} must be base64") from None
    if len(decoded) > limit:
        raise RequestError(f"{name} is over {limit} bytes")
    return decoded
