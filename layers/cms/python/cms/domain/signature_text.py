"""The encodings a signature is accepted in, as one pattern the API documents: hex of 64 bytes
(Ed25519) or 65 bytes (Ethereum r‖s‖v), 0x optional; or Ed25519's 64 bytes in canonical base64
or base64url, padding optional.

Every string of the pattern decodes to bytes of some key kind, so a signature that fits it but
not the signer's key kind, or that no key made, is one that does not verify (refused as such),
never one that "cannot be decoded": the document promises to take every string it describes.
Kept apart from the verification code so that request schemas need no cryptography at import.
"""

from __future__ import annotations

import re

# Base64 of 64 bytes is 86 characters whose last carries 2 bits and 4 zero bits (A, Q, g or w).
SIGNATURE_PATTERN = (r"^(?:(?:0[xX])?(?:[0-9a-fA-F]{128}|[0-9a-fA-F]{130})"
                     r"|[A-Za-z0-9_-]{85}[AQgw](?:==)?|[A-Za-z0-9+/]{85}[AQgw](?:==)?)$")
SIGNATURE_DESCRIPTION = ("Hex (0x optional) of 65 bytes r‖s‖v (Ethereum: EIP-191 to sign in, "
                         "EIP-712 to sign a contract) or 64 bytes (Ed25519); Ed25519's 64 bytes "
                         "may also be canonical base64 or base64url")
_SIGNATURE_RE = re.compile(SIGNATURE_PATTERN)


def is_signature_text(value: str) -> bool:
    return _SIGNATURE_RE.fullmatch(value) is not None
