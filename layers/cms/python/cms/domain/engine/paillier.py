"""The Paillier cryptosystem, for privacy contracts that compute on values they cannot read.

Why Paillier: it is additively homomorphic, so a contract can add encrypted amounts, add a
public constant and multiply by a public scalar without ever holding a key, while only the key
holder can decrypt. That is exactly what confidential balances and sealed-bid sums need, and it
runs in milliseconds (indistinguishability obfuscation, the alternative, is far out of reach).

Written by hand rather than wrapping ``phe`` (python-paillier): its last release (1.5.0) dates
from 2022, it is pure Python as well, and it would add a dependency for ~150 lines of textbook
arithmetic. The primes come from OpenSSL through ``cryptography`` (already pinned), whose RSA
key generation is vetted; only test keys below 1024 bits use the Miller-Rabin test here.

Scheme (Paillier 1999, with the usual simplification g = n + 1):

- public key n = p·q; private key λ = lcm(p-1, q-1), μ = λ⁻¹ mod n;
- Enc(m; r) = (1 + m·n) · rⁿ mod n², with r uniform in Z*_n (fresh for every encryption);
- Dec(c) = L(c^λ mod n²) · μ mod n, where L(x) = (x - 1) / n;
- Enc(a)·Enc(b) = Enc(a + b), Enc(a)·(1 + k·n) = Enc(a + k), Enc(a)^k = Enc(k·a), all mod n.

Plaintexts are integers mod n. Signed values use the encoding of ``phe``: v in
[-max_int, max_int] with max_int = n // 3 is stored as v mod n; a decryption that lands in the
middle third (max_int, n - max_int) means a homomorphic result overflowed the range and is
refused instead of being silently wrapped. Arithmetic results are not re-randomised: the
product of two ciphertexts is a deterministic function of them, so call ``rerandomize`` before
publishing a result whose link to its inputs must be hidden.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from math import gcd, lcm

from cryptography.hazmat.primitives.asymmetric import rsa

from cms.domain.engine.errors import EngineValidationError

DEFAULT_KEY_BITS = 2048
MIN_TEST_KEY_BITS = 256  # tests only: anything below 2048 bits is not secure
# The largest modulus a key may have. Contracts pay for arithmetic by the modulus's size
# (gas.modexp_gas): at 4096 bits a reveal's re-encryption (~0.5 s in CPython) costs 22.4M
# gas, within one call's 30M; an 8192-bit key's would cost 179M, so no call could afford it.
# 4096 bits is past NIST's 3072 for 128-bit security.
MAX_KEY_BITS = 4096
_OPENSSL_MIN_BITS = 1024  # cryptography refuses smaller RSA keys
_MILLER_RABIN_ROUNDS = 64  # error probability <= 4**-64 per candidate
Power = Callable[[int, int, int], int]  # pow(base, exponent, modulus)
_HEX = re.compile(r"[0-9a-f]{1,2048}")  # 8192 bits: a ciphertext under the largest key


# --- key generation -----------------------------------------------------------------------

def _is_probable_prime(candidate: int) -> bool:
    """Miller-Rabin with random bases (only for the small test keys OpenSSL refuses)."""
    if candidate < 4:
        return candidate in (2, 3)
    if candidate % 2 == 0:
        return False
    d, s = candidate - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(_MILLER_RABIN_ROUNDS):
        x = pow(2 + secrets.randbelow(candidate - 3), d, candidate)
        if x in (1, candidate - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, candidate)
            if x == candidate - 1:
                break
        else:
            return False
    return True


def _random_prime(bits: int) -> int:
    """A random prime of exactly ``bits`` bits (top two bits set, so p·q has 2·bits bits)."""
    while True:
        candidate = secrets.randbits(bits) | (0b11 << (bits - 2)) | 1
        if _is_probable_prime(candidate):
            return candidate


def _prime_pair(bits: int) -> tuple[int, int]:
    """Two distinct primes whose product has ``bits`` bits."""
    if bits >= _OPENSSL_MIN_BITS:
        numbers = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        private = numbers.private_numbers()
        return private.p, private.q
    while True:
        p, q = _random_prime(bits // 2), _random_prime(bits - bits // 2)
        if p != q:
            return p, q


def generate_keypair(bits: int = DEFAULT_KEY_BITS) -> tuple[PublicKey, PrivateKey]:
    """A fresh key pair; ``bits`` below 2048 is for tests only (and at least 256)."""
    if (not isinstance(bits, int) or isinstance(bits, bool)
            or not MIN_TEST_KEY_BITS <= bits <= MAX_KEY_BITS):
        raise EngineValidationError(
            f"bits must be an integer from {MIN_TEST_KEY_BITS} to {MAX_KEY_BITS}", "bits")
    while True:
        p, q = _prime_pair(bits)
        n = p * q
        # Equal-length primes make this hold; checked because decryption depends on it.
        if gcd(n, (p - 1) * (q - 1)) == 1:
            break
    public = PublicKey(n)
    lam = lcm(p - 1, q - 1)
    return public, PrivateKey(public, lam, pow(lam, -1, n))


# --- keys and ciphertexts -----------------------------------------------------------------

def _parse_hex(value: object, name: str) -> int:
    """A JSON-friendly big integer: lower-case hex digits, no prefix."""
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        raise EngineValidationError(f"{name} must be a lower-case hex string", name)
    return int(value, 16)


@dataclass(frozen=True)
class PublicKey:
    """The encryption key: anyone holding it encrypts and computes on ciphertexts."""

    n: int

    def __post_init__(self) -> None:
        if not MIN_TEST_KEY_BITS <= self.n.bit_length() <= MAX_KEY_BITS or self.n % 2 == 0:
            raise EngineValidationError(
                f"a Paillier modulus must be odd and of {MIN_TEST_KEY_BITS} to {MAX_KEY_BITS} "
                "bits", "n")

    @property
    def n_square(self) -> int:
        return self.n * self.n

    @property
    def max_int(self) -> int:
        """The largest magnitude a signed plaintext (or a homomorphic result) may have."""
        return self.n // 3

    @property
    def ciphertext_bytes(self) -> int:
        """The fixed width of a stored ciphertext, so every slot costs the same gas."""
        return (self.n_square.bit_length() + 7) // 8

    def to_json(self) -> dict[str, str]:
        return {"n": format(self.n, "x")}

    @classmethod
    def from_json(cls, data: object) -> PublicKey:
        if not isinstance(data, dict):
            raise EngineValidationError("a public key must be an object {n}", "public_key")
        return cls(_parse_hex(data.get("n"), "n"))

    # -- plaintext encoding --

    def encode(self, value: object) -> int:
        """A signed integer in [-max_int, max_int] as a plaintext in [0, n)."""
        if not isinstance(value, int) or isinstance(value, bool):
            raise EngineValidationError("a plaintext must be an integer", "plaintext")
        if abs(value) > self.max_int:
            raise EngineValidationError("a plaintext must be within [-n//3, n//3]", "plaintext")
        return value % self.n

    def decode(self, plaintext: int) -> int:
        """The signed integer of a plaintext; the middle third is an overflowed result."""
        if plaintext <= self.max_int:
            return plaintext
        if plaintext >= self.n - self.max_int:
            return plaintext - self.n
        raise EngineValidationError("the decrypted value overflowed [-n//3, n//3]", "plaintext")

    # -- encryption and homomorphic operations --

    def random_unit(self) -> int:
        """A uniform r in Z*_n (a non-unit would reveal a factor of n: astronomically rare)."""
        while True:
            r = 1 + secrets.randbelow(self.n - 1)
            if gcd(r, self.n) == 1:
                return r

    def encrypt(self, value: int, randomness: int | None = None, *,
                power: Power = pow) -> Ciphertext:
        """Enc(value) with fresh randomness (or a given r, to check a published opening);
        ``power`` computes rⁿ mod n² (a contract passes one its deadline can stop)."""
        r = self.random_unit() if randomness is None else self._check_unit(randomness)
        m = self.encode(value)
        return Ciphertext(self, (1 + m * self.n) * power(r, self.n, self.n_square)
                          % self.n_square)

    def ciphertext(self, value: object) -> Ciphertext:
        """A ciphertext from a stored or submitted integer, validated (never a crash later)."""
        if not isinstance(value, int) or isinstance(value, bool):
            raise EngineValidationError("a ciphertext must be an integer", "ciphertext")
        if not 0 < value < self.n_square or gcd(value, self.n) != 1:
            raise EngineValidationError("not a valid ciphertext for this key", "ciphertext")
        return Ciphertext(self, value)

    def parse_ciphertext(self, text: object) -> Ciphertext:
        """A ciphertext from its JSON form (lower-case hex)."""
        return self.ciphertext(_parse_hex(text, "ciphertext"))

    def from_bytes(self, data: bytes) -> Ciphertext:
        return self.ciphertext(int.from_bytes(data, "big"))

    def verify_opening(self, ciphertext: Ciphertext, value: int, randomness: int, *,
                       power: Power = pow) -> bool:
        """Whether (value, r) opens ``ciphertext``: how a decryption is proven publicly."""
        self._same_key(ciphertext)
        return self.encrypt(value, randomness, power=power).value == ciphertext.value

    def _check_unit(self, r: object) -> int:
        if not isinstance(r, int) or isinstance(r, bool) or not 0 < r < self.n \
                or gcd(r, self.n) != 1:
            raise EngineValidationError("randomness must be a unit of Z_n", "randomness")
        return r

    def _same_key(self, ciphertext: Ciphertext) -> None:
        if not isinstance(ciphertext, Ciphertext) or ciphertext.public_key != self:
            raise EngineValidationError("the ciphertext belongs to another key", "ciphertext")


@dataclass(frozen=True)
class Ciphertext:
    """An encrypted integer under ``public_key``; operators compute on it homomorphically."""

    public_key: PublicKey
    value: int

    def _other(self, other: Ciphertext) -> int:
        self.public_key._same_key(other)
        return other.value

    def __add__(self, other: Ciphertext) -> Ciphertext:
        """Enc(a) + Enc(b) = Enc(a + b): the product of the ciphertexts."""
        return self._new(self.value * self._other(other))

    def __sub__(self, other: Ciphertext) -> Ciphertext:
        """Enc(a) - Enc(b) = Enc(a - b): the product with the inverse."""
        return self._new(self.value * pow(self._other(other), -1, self.public_key.n_square))

    def add_plain(self, constant: int) -> Ciphertext:
        """Enc(a) + k = Enc(a + k), without randomness: (1 + k·n) is Enc(k; r = 1)."""
        pk = self.public_key
        return self._new(self.value * (1 + pk.encode(constant) * pk.n))

    def mul_plain(self, scalar: int) -> Ciphertext:
        """Enc(a) · k = Enc(k·a); a negative k inverts the ciphertext (always a unit)."""
        pk = self.public_key
        if not isinstance(scalar, int) or isinstance(scalar, bool) or abs(scalar) > pk.max_int:
            raise EngineValidationError("a scalar must be an integer within [-n//3, n//3]",
                                        "scalar")
        return self._new(pow(self.value, scalar, pk.n_square))

    def rerandomize(self) -> Ciphertext:
        """The same plaintext under fresh randomness: unlinkable to this ciphertext."""
        pk = self.public_key
        return self._new(self.value * pow(pk.random_unit(), pk.n, pk.n_square))

    def to_json(self) -> str:
        return format(self.value, "x")

    def to_bytes(self) -> bytes:
        return self.value.to_bytes(self.public_key.ciphertext_bytes, "big")

    def _new(self, value: int) -> Ciphertext:
        return Ciphertext(self.public_key, value % self.public_key.n_square)


@dataclass(frozen=True, repr=False)
class PrivateKey:
    """The decryption key (λ, μ); its repr hides the secrets from logs."""

    public_key: PublicKey
    lam: int
    mu: int

    def __repr__(self) -> str:
        return f"PrivateKey(n={self.public_key.n.bit_length()} bits)"

    def decrypt(self, ciphertext: Ciphertext) -> int:
        """The signed plaintext; refuses another key's ciphertext or an overflowed result."""
        pk = self.public_key
        pk._same_key(ciphertext)
        x = pow(ciphertext.value, self.lam, pk.n_square)
        return pk.decode((x - 1) // pk.n * self.mu % pk.n)

    def open(self, ciphertext: Ciphertext) -> tuple[int, int]:
        """The plaintext and the randomness r of ``ciphertext``, so anyone can check the
        decryption with ``PublicKey.verify_opening`` (no trust in the key holder needed).

        c ≡ rⁿ (mod n) since 1 + m·n ≡ 1, and n is invertible mod λ (r^λ ≡ 1), so
        r = c^(n⁻¹ mod λ) mod n.
        """
        pk = self.public_key
        value = self.decrypt(ciphertext)
        return value, pow(ciphertext.value % pk.n, pow(pk.n, -1, self.lam), pk.n)

    def to_json(self) -> dict[str, str]:
        return {"n": format(self.public_key.n, "x"), "lambda": format(self.lam, "x"),
                "mu": format(self.mu, "x")}

    @classmethod
    def from_json(cls, data: object) -> PrivateKey:
        if not isinstance(data, dict):
            raise EngineValidationError("a private key must be an object {n, lambda, mu}",
                                        "private_key")
        public = PublicKey(_parse_hex(data.get("n"), "n"))
        lam, mu = _parse_hex(data.get("lambda"), "lambda"), _parse_hex(data.get("mu"), "mu")
        if not 0 < mu < public.n or (lam * mu) % public.n != 1:
            raise EngineValidationError("lambda and mu do not match n", "private_key")
        return cls(public, lam, mu)
