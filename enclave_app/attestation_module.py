"""Where attestation documents come from: the Nitro Secure Module in a real enclave, or a
simulated module on a developer's machine whose documents say so.

Both produce the same thing: a COSE_Sign1 (ES384) over the Nitro payload map, which
``cms.domain.attestation.verify_document`` checks. The simulated module signs with a
development root made at start-up; verifiers refuse it unless that root is passed explicitly
(the result is then marked ``development``), and its module id starts with ``simulated-``.
"""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import os
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

import cms_wire

NSM_DEVICE = "/dev/nsm"
# _IOWR(0x0A, 0, struct nsm_message): two iovecs (request, response) = 32 bytes on 64-bit.
NSM_IOCTL_REQUEST = (3 << 30) | (32 << 16) | (0x0A << 8)
NSM_RESPONSE_MAX = 0x3000
PCR_COUNT = 16
LEAF_LIFETIME = timedelta(hours=3)  # like AWS's leaf certificates
# The image's own code: this app and the wire formats it shares with the platform (the
# Dockerfile copies both, side by side, under /app).
MEASURED_PACKAGES = (Path(__file__).resolve().parent, Path(cms_wire.__file__).resolve().parent)


class AttestationModule(Protocol):
    simulated: bool

    def attest(self, *, user_data: bytes | None = None, nonce: bytes | None = None,
               public_key: bytes | None = None) -> bytes:
        """A signed attestation document (COSE_Sign1 bytes)."""
        ...


class DeviceUnavailable(Exception):
    """No Nitro Secure Module here (not inside an enclave)."""


class _IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("length", ctypes.c_size_t)]


class _NsmMessage(ctypes.Structure):
    _fields_ = [("request", _IoVec), ("response", _IoVec)]


class NitroSecureModule:
    """The real device: a CBOR request and response through one ioctl on /dev/nsm."""

    simulated = False

    def __init__(self, device: str = NSM_DEVICE) -> None:
        if not os.path.exists(device):
            raise DeviceUnavailable(f"{device} does not exist: not inside a Nitro Enclave")
        self._device = device

    def attest(self, *, user_data: bytes | None = None, nonce: bytes | None = None,
               public_key: bytes | None = None) -> bytes:
        request = cbor2.dumps({"Attestation": {"user_data": user_data, "nonce": nonce,
                                               "public_key": public_key}})
        response = cbor2.loads(self._call(request))
        if "Attestation" not in response:
            raise RuntimeError(f"the NSM refused: {response.get('Error', response)!r}")
        return bytes(response["Attestation"]["document"])

    def _call(self, request: bytes) -> bytes:
        request_buffer = ctypes.create_string_buffer(request, len(request))
        response_buffer = ctypes.create_string_buffer(NSM_RESPONSE_MAX)
        message = _NsmMessage(
            _IoVec(ctypes.addressof(request_buffer), len(request)),
            _IoVec(ctypes.addressof(response_buffer), NSM_RESPONSE_MAX))
        with open(self._device, "rb", buffering=0) as device:
            fcntl.ioctl(device.fileno(), NSM_IOCTL_REQUEST, message)
        return response_buffer.raw[:message.response.length]


def local_measurements(packages: Iterable[Path] = MEASURED_PACKAGES) -> dict[int, bytes]:
    """PCRs for the simulated module: PCR0 measures the Python source of the image's packages
    (so a changed trainer or wire format is a different "image"), PCR1/PCR2 fixed labels, the
    rest zero, like a real enclave's 16 SHA-384 registers. Not zero: debug-mode documents have
    PCR0-2 all zero."""
    image = hashlib.sha384()
    for package in packages:
        for path in sorted(package.rglob("*.py")):
            image.update(path.relative_to(package.parent).as_posix().encode() + b"\0")
            image.update(path.read_bytes() + b"\0")
    pcrs = {index: bytes(48) for index in range(PCR_COUNT)}
    pcrs[0] = image.digest()
    pcrs[1] = hashlib.sha384(b"cms simulated kernel").digest()
    pcrs[2] = hashlib.sha384(b"cms simulated application").digest()
    return pcrs


@dataclass
class SimulatedModule:
    """Documents shaped exactly like Nitro's, signed by a development root made here."""

    simulated = True
    module_id: str = field(default_factory=lambda: f"simulated-{socket.gethostname()}-"
                                                   f"{os.getpid()}")
    pcrs: dict[int, bytes] = field(default_factory=local_measurements)

    def __post_init__(self) -> None:
        self._root_key = ec.generate_private_key(ec.SECP384R1())
        self.root = _certificate(self._root_key, self._root_key.public_key(),
                                 "CMS development attestation root", None,
                                 lifetime=timedelta(days=30), ca=True)
        self._rotate_leaf()

    @property
    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)

    def attest(self, *, user_data: bytes | None = None, nonce: bytes | None = None,
               public_key: bytes | None = None) -> bytes:
        if datetime.now(UTC) > self._leaf.not_valid_after_utc - timedelta(minutes=10):
            self._rotate_leaf()
        payload = cbor2.dumps({
            "module_id": self.module_id, "digest": "SHA384",
            "timestamp": int(time.time() * 1000), "pcrs": dict(self.pcrs),
            "certificate": self._leaf.public_bytes(serialization.Encoding.DER),
            "cabundle": [self.root.public_bytes(serialization.Encoding.DER)],
            "public_key": public_key, "user_data": user_data, "nonce": nonce})
        protected = cbor2.dumps({1: -35})  # ES384, as the NSM writes it
        to_sign = cbor2.dumps(["Signature1", protected, b"", payload])
        r, s = decode_dss_signature(self._leaf_key.sign(to_sign, ec.ECDSA(hashes.SHA384())))
        signature = r.to_bytes(48, "big") + s.to_bytes(48, "big")
        return cbor2.dumps([protected, {}, payload, signature])

    def _rotate_leaf(self) -> None:
        self._leaf_key = ec.generate_private_key(ec.SECP384R1())
        self._leaf = _certificate(self._root_key, self._leaf_key.public_key(), self.module_id,
                                  self.root, lifetime=LEAF_LIFETIME, ca=False)


def _certificate(issuer_key: ec.EllipticCurvePrivateKey, subject_key: ec.EllipticCurvePublicKey,
                 subject: str, issuer: x509.Certificate | None, *, lifetime: timedelta,
                 ca: bool) -> x509.Certificate:
    now = datetime.now(UTC) - timedelta(minutes=1)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CMS development")])
    usage = dict.fromkeys(("digital_signature", "content_commitment", "key_encipherment",
                           "data_encipherment", "key_agreement", "key_cert_sign", "crl_sign",
                           "encipher_only", "decipher_only"), False)
    usage.update({"key_cert_sign": ca, "crl_sign": ca, "digital_signature": not ca})
    return (x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(issuer.subject if issuer else name)
            .public_key(subject_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + lifetime)
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(**usage), critical=True)
            .sign(issuer_key, hashes.SHA384()))


def measured_pcr0(module: AttestationModule) -> str:
    """This enclave's image measurement, read from a document of its own module (the real
    NSM and the simulated one alike)."""
    _, _, payload, _ = cbor2.loads(module.attest())
    return bytes(cbor2.loads(payload)["pcrs"][0]).hex()


def unlisted_image(module: AttestationModule, allowed: Iterable[str]) -> str | None:
    """This image's PCR0 if ``allowed`` does not list it, else None. Callers refuse such work
    before spending anything: a result from an unlisted image could never verify."""
    pcr0 = measured_pcr0(module)
    return None if pcr0 in {str(value).lower() for value in allowed} else pcr0


def attestation_module() -> AttestationModule:
    """The real module inside an enclave; the simulated one only when asked for
    (``CMS_ENCLAVE_SIMULATED=1``), never silently."""
    if os.environ.get("CMS_ENCLAVE_SIMULATED") == "1":
        return SimulatedModule()
    return NitroSecureModule()
