"""How a statement binds to an attestation document.

An enclave states a result as a JSON object and asks its attestation module for a document
whose ``user_data`` is SHA-256 of the statement's RFC 8785 form; every verifier recomputes it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import rfc8785


def statement_user_data(statement: Mapping[str, Any]) -> bytes:
    """SHA-256 (32 bytes) of the statement's RFC 8785 canonical JSON."""
    return hashlib.sha256(rfc8785.dumps(dict(statement))).digest()
