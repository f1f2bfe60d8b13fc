"""The enclave's request handlers, served over the transport (vsock in AWS, TCP locally).

``health`` says which attestation module answers (a simulated one says so) and the image
measurement; ``attest`` returns a document binding the caller's nonce and user data. Training
requests join these with the trainer.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from enclave_app.attestation_module import AttestationModule

MAX_NONCE = 512
MAX_USER_DATA = 1024  # the NSM's own limits for these fields


class RequestError(ValueError):
    """A request the enclave will not act on (the parent gets the reason)."""


class EnclaveApp:
    def __init__(self, module: AttestationModule) -> None:
        self._module = module
        self._operations: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "health": self._health, "attest": self._attest}

    def handle(self, message: dict[str, Any]) -> dict[str, Any]:
        operation = self._operations.get(str(message.get("op")))
        if operation is None:
            raise RequestError(f"unknown operation {message.get('op')!r}")
        return operation(message)

    def _health(self, _: dict[str, Any]) -> dict[str, Any]:
        pcrs = getattr(self._module, "pcrs", None)
        return {"simulated": self._module.simulated,
                "pcr0": pcrs[0].hex() if pcrs else None}

    def _attest(self, message: dict[str, Any]) -> dict[str, Any]:
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
