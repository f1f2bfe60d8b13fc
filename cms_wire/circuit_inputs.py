"""A party's encrypted circuit input, ``cms-circuit-input/v1``.

Each party encrypts its bits on its own machine to the contract's input key (P-256) with
ECIES, and only the enclave holds the private key::

    MAGIC (8 bytes) || ephemeral P-256 point (65, uncompressed) || nonce (12)
                    || AES-256-GCM(packed bits) with its 16-byte tag

The AES key is ECDH between the ephemeral key and the input key, through HKDF-SHA256 (no salt;
info: the format, the ephemeral point, the recipient's point). The AAD binds the ciphertext to
the contract address (lower-case hex), the party's name and the circuit hash
(``input_aad``), so a ciphertext copied to another party, contract or circuit does not open.
Bits are packed least significant first within each byte; unused high bits are zero.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import rfc8785
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

INPUT_FORMAT = "cms-circuit-input/v1"
INPUT_MAGIC = b"CMSCIN01"
POINT_BYTES = 65  # an uncompressed P-256 point
NONCE_BYTES = 12
TAG_BYTES = 16
_HEADER_BYTES = len(INPUT_MAGIC) + POINT_BYTES + NONCE_BYTES


def input_aad(contract_address: str, party: str, circuit_hash: str) -> bytes:
    """What a ciphertext is bound to: the contract (lower-case hex), the party, the circuit."""
    return rfc8785.dumps({"format": INPUT_FORMAT, "contract": contract_address.lower(),
                          "party": party, "circuit_hash": circuit_hash})


def ciphertext_size(bits: int) -> int:
    """The exact size of a party's encrypted input of ``bits`` bits."""
    return _HEADER_BYTES + (bits + 7) // 8 + TAG_BYTES


def pack_bits(bits: Sequence[bool | int]) -> bytes:
    """Bits into bytes, least significant bit first; ValueError for anything but 0/1."""
    packed = bytearray((len(bits) + 7) // 8)
    for index, bit in enumerate(bits):
        if bit not in (0, 1):
            raise ValueError("input bits must be booleans or 0/1")
        packed[index // 8] |= int(bit) << (index % 8)
    return bytes(packed)


def seal_input(recipient: ec.EllipticCurvePublicKey, aad: bytes,
               bits: Sequence[bool | int]) -> bytes:
    """``bits`` encrypted to ``recipient`` (the contract's input key), bound to ``aad``."""
    return _seal(recipient, aad, bits, ec.generate_private_key(ec.SECP256R1()),
                 os.urandom(NONCE_BYTES))


def _seal(recipient: ec.EllipticCurvePublicKey, aad: bytes, bits: Sequence[bool | int],
          ephemeral: ec.EllipticCurvePrivateKey, nonce: bytes) -> bytes:
    """``seal_input`` with its randomness given: only the shared test vectors
    (tests/vectors/circuit_inputs) fix it, so that another implementation can be compared
    byte for byte. Never reuse an ephemeral key or nonce."""
    packed = pack_bits(bits)
    point = _point(ephemeral.public_key())
    key = _aes_key(ephemeral.exchange(ec.ECDH(), recipient), point, _point(recipient))
    return INPUT_MAGIC + point + nonce + AESGCM(key).encrypt(nonce, packed, aad)


def open_input(key: ec.EllipticCurvePrivateKey, ciphertext: bytes, aad: bytes,
               bits: int) -> list[int] | None:
    """A party's bits (LSB first within each byte), or None when the ciphertext does not
    open under this key and binding or does not hold exactly ``bits`` bits."""
    if not ciphertext.startswith(INPUT_MAGIC) or len(ciphertext) < _HEADER_BYTES:
        return None
    point = ciphertext[len(INPUT_MAGIC):len(INPUT_MAGIC) + POINT_BYTES]
    try:
        ephemeral = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        aes_key = _aes_key(key.exchange(ec.ECDH(), ephemeral), point, _point(key.public_key()))
        plain = AESGCM(aes_key).decrypt(ciphertext[_HEADER_BYTES - NONCE_BYTES:_HEADER_BYTES],
                                        ciphertext[_HEADER_BYTES:], aad)
    except (ValueError, InvalidTag):
        return None
    if len(plain) != (bits + 7) // 8:
        return None
    values = [(plain[i // 8] >> (i % 8)) & 1 for i in range(len(plain) * 8)]
    return None if any(values[bits:]) else values[:bits]  # padding bits must be zero


def _aes_key(shared: bytes, ephemeral_point: bytes, recipient_point: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=INPUT_FORMAT.encode() + ephemeral_point + recipient_point).derive(shared)


def _point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962,
                            serialization.PublicFormat.UncompressedPoint)
