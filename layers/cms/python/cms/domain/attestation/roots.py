"""Trust anchors: the pinned AWS Nitro Enclaves root, and explicitly marked development roots."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

AWS_NITRO_ROOT_G1_SHA256 = "641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b"
_AWS_ROOT_PEM = "nitro_root_g1.pem"  # beside the domain package, shipped as package data


@dataclass(frozen=True)
class TrustedRoot:
    """A root certificate the chain may end in. Only the pinned AWS root may be non-development."""

    certificate: x509.Certificate = field(repr=False, compare=False)
    label: str
    development: bool = False
    der: bytes = field(init=False, repr=False)
    sha256: str = field(init=False)

    def __post_init__(self) -> None:
        der = self.certificate.public_bytes(Encoding.DER)
        object.__setattr__(self, "der", der)
        object.__setattr__(self, "sha256", hashlib.sha256(der).hexdigest())
        if not self.development and self.sha256 != AWS_NITRO_ROOT_G1_SHA256:
            raise ValueError("only the pinned AWS Nitro root can be a production root")

    @classmethod
    def from_pem(cls, pem: bytes | str, *, label: str, development: bool = False) -> TrustedRoot:
        data = pem.encode() if isinstance(pem, str) else pem
        return cls(x509.load_pem_x509_certificate(data), label=label, development=development)


@cache
def aws_nitro_root() -> TrustedRoot:
    """The AWS Nitro Enclaves Root G1 shipped with the layer, checked against its pinned hash."""
    pem = resources.files("cms.domain").joinpath(_AWS_ROOT_PEM).read_bytes()
    # A production TrustedRoot must hash to the pinned value, so a swapped or corrupted PEM
    # fails here (ValueError), at first use.
    return TrustedRoot.from_pem(pem, label="aws-nitro-enclaves-root-g1")


def aws_roots() -> tuple[TrustedRoot, ...]:
    return (aws_nitro_root(),)


def development_root(certificate: x509.Certificate | bytes | str, *, label: str = "development",
                     ) -> TrustedRoot:
    """A clearly marked non-AWS root (PEM or certificate), for simulated local attestation."""
    if isinstance(certificate, x509.Certificate):
        return TrustedRoot(certificate, label=label, development=True)
    return TrustedRoot.from_pem(certificate, label=label, development=True)
