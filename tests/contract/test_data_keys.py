"""Data keys: a fresh AES key per dataset (kept only wrapped), and circuit contracts' P-256
input key pairs whose private half is only ever returned wrapped."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def test_each_data_key_is_fresh_and_kept_only_wrapped(services):
    keys = services.data_keys
    plaintext, wrapped = keys.generate()
    again, wrapped_again = keys.generate()
    assert len(plaintext) == 32 and plaintext != again
    assert wrapped != wrapped_again and plaintext not in wrapped


def test_an_input_key_pair_is_p256_with_its_private_half_wrapped(services):
    public_der, wrapped = services.data_keys.generate_input_key_pair()
    public = serialization.load_der_public_key(public_der)
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert public.curve.name == "secp256r1"
    assert wrapped and public_der not in wrapped
