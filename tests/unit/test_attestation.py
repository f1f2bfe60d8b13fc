"""Nitro Enclaves attestation: real AWS documents from ../shared/vectors/nitro, plus documents
forged here with a self-made chain (structure, chain rules and the development-root path)."""

from __future__ import annotations

import base64
import hashlib
import json
import textwrap
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cbor2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from cms.domain.attestation import (
    AWS_NITRO_ROOT_G1_SHA256,
    DEBUG_PCRS,
    ES384_PROTECTED_HEADER,
    MAX_DOCUMENT_BYTES,
    TrustedRoot,
    aws_nitro_root,
    decode_document_text,
    development_root,
    parse_document,
    verify_document,
)
from cms.domain.attestation.strict_cbor import fits
from cms.domain.errors import AttestationInvalid, AttestationRejected

NITRO = Path(__file__).resolve().parents[2].parent / "shared" / "vectors" / "nitro"
MANIFEST = json.loads((NITRO / "MANIFEST.json").read_text(encoding="utf-8"))
AWS = [entry for entry in MANIFEST if entry["root_sha256"] == AWS_NITRO_ROOT_G1_SHA256]
CUSTOM = next(entry for entry in MANIFEST if entry["root_sha256"] != AWS_NITRO_ROOT_G1_SHA256)
DEBUG = [entry for entry in AWS if not set(map(str, DEBUG_PCRS)) & entry["pcrs_nonzero"].keys()]
PRODUCTION = [entry for entry in AWS if entry not in DEBUG]
OPTIONAL = ("public_key", "user_data", "nonce")


def ids(entries: list[dict[str, Any]]) -> list[str]:
    return [entry["file"] for entry in entries]


def raw(entry: dict[str, Any]) -> bytes:
    return decode_document_text((NITRO / entry["file"]).read_bytes())


def signed_at(entry: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(entry["timestamp_utc"])


def window(entry: dict[str, Any]) -> tuple[datetime, datetime]:
    start, end = entry["chain_valid_window_utc"]
    return datetime.fromisoformat(start), datetime.fromisoformat(end)


POLICY_REASONS = {"timestamp_in_future", "stale", "debug_mode", "pcr_mismatch", "nonce_mismatch",
                  "user_data_mismatch"}


def reason_of(call, *args: Any, **kwargs: Any) -> str:
    """The failed check's name; policy failures (and only they) are AttestationRejected."""
    with pytest.raises(AttestationInvalid) as caught:
        call(*args, **kwargs)
    error = caught.value
    policy = error.reason in POLICY_REASONS
    assert isinstance(error, AttestationRejected) == policy, error.reason
    assert error.code == ("attestation_rejected" if policy else "attestation_invalid")
    assert error.status == 422 and error.extra == {"reason": error.reason}
    return error.reason


def test_vectors_are_all_there():
    assert len(MANIFEST) == 11 and len(AWS) == 10
    assert len(DEBUG) == 3  # two of them are named "valid" / "full" by their sources


# --- Real AWS documents ------------------------------------------------------------------------


@pytest.mark.parametrize("entry", MANIFEST, ids=ids(MANIFEST))
def test_every_source_format_decodes_to_the_manifest_bytes(entry):
    document = raw(entry)
    assert len(document) == entry["cose_len"]
    assert hashlib.sha256(document).hexdigest() == entry["cose_sha256"]


def test_pem_wrapped_base64_and_loose_hex_decode_too():
    document = raw(AWS[0])
    b64 = base64.b64encode(document).decode()
    pem = "-----BEGIN NITRO ATTESTATION-----\n" + "\n".join(textwrap.wrap(b64, 64)) + (
        "\n-----END NITRO ATTESTATION-----\n")
    assert decode_document_text(pem) == document
    assert decode_document_text(pem.encode()) == document
    assert decode_document_text(base64.urlsafe_b64encode(document).rstrip(b"=")) == document
    assert decode_document_text("\n".join(textwrap.wrap(document.hex().upper(), 80))) == document
    assert reason_of(decode_document_text, "not a document!") == "encoding"
    assert reason_of(decode_document_text, b"\xff\xfe") == "encoding"
    assert reason_of(decode_document_text, "A" * (4 * MAX_DOCUMENT_BYTES + 1)) == "too_large"


@pytest.mark.parametrize("entry", AWS, ids=ids(AWS))
def test_aws_document_verifies_at_its_own_timestamp_and_matches_the_manifest(entry):
    result = verify_document(raw(entry), at=signed_at(entry))
    document = result.document
    assert result.root == aws_nitro_root() and not result.development
    assert document.module_id == entry["module_id"] and document.digest == "SHA384"
    assert document.timestamp_ms == entry["timestamp_ms"]
    assert document.timestamp == signed_at(entry)
    assert len(document.pcrs) == entry["n_pcrs"]
    nonzero = {str(index): pcr.hex() for index, pcr in document.pcrs.items() if any(pcr)}
    assert nonzero == entry["pcrs_nonzero"]
    for name in OPTIONAL:
        assert (getattr(document, name) is None) == (name in entry["explicit_null_fields"]), name
    assert _length(document.public_key) == entry["public_key_len"]
    assert _length(document.nonce) == entry["nonce_len"]
    user_data = entry["user_data_hex"]
    assert document.user_data == (None if user_data is None else bytes.fromhex(user_data))
    assert result.debug_mode == (entry in DEBUG)


def _length(value: bytes | None) -> int | None:
    return None if value is None else len(value)


def test_custom_root_sample_is_rejected_unless_its_root_is_passed_as_development():
    document = raw(CUSTOM)
    assert reason_of(verify_document, document, at=signed_at(CUSTOM)) == "untrusted_root"
    root = x509.load_der_x509_certificate(parse_document(document).cabundle[0])
    result = verify_document(document, at=signed_at(CUSTOM),
                             trusted_roots=[aws_nitro_root(), development_root(root)])
    assert result.development and result.root.sha256 == CUSTOM["root_sha256"]


@pytest.mark.parametrize("entry", DEBUG, ids=ids(DEBUG))
def test_debug_mode_is_refused_once_pcrs_are_pinned(entry):
    at, pcr3 = signed_at(entry), entry["pcrs_nonzero"]["3"]
    assert verify_document(raw(entry), at=at).debug_mode
    with pytest.raises(AttestationRejected) as caught:
        verify_document(raw(entry), at=at, expected_pcrs={3: pcr3})
    assert caught.value.reason == "debug_mode" and caught.value.code == "attestation_rejected"


@pytest.mark.parametrize("entry", PRODUCTION, ids=ids(PRODUCTION))
def test_pinned_pcrs_must_all_match(entry):
    document, at = raw(entry), signed_at(entry)
    pinned = {int(index): pcr for index, pcr in entry["pcrs_nonzero"].items()}
    assert not verify_document(document, at=at, expected_pcrs=pinned).debug_mode
    as_bytes = {index: bytes.fromhex(pcr) for index, pcr in pinned.items()}
    verify_document(document, at=at, expected_pcrs=as_bytes)
    wrong = {**as_bytes, 0: bytes(48)}
    assert reason_of(verify_document, document, at=at, expected_pcrs=wrong) == "pcr_mismatch"
    absent = {**pinned, 31: "00" * 48}
    assert reason_of(verify_document, document, at=at, expected_pcrs=absent) == "pcr_mismatch"
    with pytest.raises(ValueError, match="pins nothing"):
        verify_document(document, at=at, expected_pcrs={})


def test_nonce_and_user_data_policies():
    entry = next(e for e in AWS if e["nonce_len"] and e["user_data_hex"])
    document, at = raw(entry), signed_at(entry)
    parsed = parse_document(document)
    verify_document(document, at=at, expected_nonce=parsed.nonce,
                    expected_user_data=parsed.user_data)
    verify_document(document, at=at, expected_user_data=lambda data: data == parsed.user_data)
    for policy, reason in [
        ({"expected_nonce": parsed.nonce[:-1] + b"\0"}, "nonce_mismatch"),
        ({"expected_user_data": b"other"}, "user_data_mismatch"),
        ({"expected_user_data": lambda data: False}, "user_data_mismatch"),
    ]:
        assert reason_of(verify_document, document, at=at, **policy) == reason
    no_nonce = next(e for e in AWS if e["nonce_len"] is None)
    assert reason_of(verify_document, raw(no_nonce), at=signed_at(no_nonce),
                     expected_nonce=b"") == "nonce_mismatch"


# --- Time --------------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", AWS, ids=ids(AWS))
def test_outside_the_chain_window_is_refused(entry):
    start, end = window(entry)
    document = raw(entry)
    verify_document(document, at=end, max_age=None)  # archival: no age limit
    for at in (start - timedelta(seconds=1), end + timedelta(seconds=1)):
        assert reason_of(verify_document, document, at=at, max_age=None) == (
            "certificate_not_valid")


def test_max_age_and_future_documents():
    entry = next(e for e in AWS if e["file"] == "marlin-sdks_rs_src_testcases_aws.bin")
    document, at = raw(entry), signed_at(entry)
    verify_document(document, at=at + timedelta(minutes=5))
    assert reason_of(verify_document, document, at=at + timedelta(minutes=5, seconds=1)) == "stale"
    assert reason_of(verify_document, document, at=at + timedelta(minutes=2),
                     max_age=timedelta(minutes=1)) == "stale"
    verify_document(document, at=at + timedelta(hours=1), max_age=timedelta(hours=2))
    verify_document(document, at=at - timedelta(seconds=30))  # default skew
    assert reason_of(verify_document, document,
                     at=at - timedelta(seconds=31)) == "timestamp_in_future"
    # "Now", years later: the three-hour leaf certificate has long expired.
    assert reason_of(verify_document, document) == "certificate_not_valid"
    with pytest.raises(ValueError, match="timezone"):
        verify_document(document, at=at.replace(tzinfo=None))


# --- Tampering ---------------------------------------------------------------------------------


def flip_each(document: bytes, positions: range, mask: int) -> dict[str, int]:
    """Flip one byte at a time; every variant must be refused as invalid. Reasons counted."""
    reasons: dict[str, int] = {}
    at = parse_document(document).timestamp
    for position in positions:
        tampered = bytearray(document)
        tampered[position] ^= mask
        with pytest.raises(AttestationInvalid) as caught:
            verify_document(bytes(tampered), at=at)
        assert type(caught.value) is AttestationInvalid, (position, caught.value.reason)
        reasons[caught.value.reason] = reasons.get(caught.value.reason, 0) + 1
    return reasons


# cryptography warns (and then refuses) when a flip lands in a country name's length.
@pytest.mark.filterwarnings("ignore:Attribute's length")
def test_flipping_any_single_byte_of_a_document_is_rejected():
    document = raw(next(e for e in AWS if e["file"] == "yawn-nitro-attest-attestation.cose"))
    reasons = flip_each(document, range(len(document)), 0x01)
    assert sum(reasons.values()) == len(document)
    # The header, the payload's structure, the bundle's root and the signed bytes all show up.
    assert {"malformed_cbor", "protected_header", "payload_fields", "untrusted_root",
            "certificate_invalid", "signature_invalid"} <= reasons.keys()


@pytest.mark.filterwarnings("ignore:Attribute's length")
@pytest.mark.parametrize("entry", AWS, ids=ids(AWS))
def test_flipping_sampled_bytes_of_every_document_is_rejected(entry):
    document = raw(entry)
    flip_each(document, range(0, len(document), 37), 0xFF)
    flip_each(document, range(len(document) - 100, len(document)), 0x80)  # the signature


@pytest.mark.parametrize("entry", AWS[:3], ids=ids(AWS[:3]))
def test_truncated_and_extended_documents_are_rejected(entry):
    document = raw(entry)
    for length in range(0, len(document), 13):
        assert isinstance(reason_of(parse_document, document[:length]), str)
    assert reason_of(parse_document, document + b"\x00") == "trailing_bytes"
    assert reason_of(parse_document, document + bytes(MAX_DOCUMENT_BYTES)) == "too_large"


def cbor_head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    size = next(size for size in (1, 2, 4, 8) if value < 1 << (8 * size))
    return bytes([major << 5 | {1: 24, 2: 25, 4: 26, 8: 27}[size]]) + value.to_bytes(size, "big")


# cbor2's semantic tags (dates, bignums, decimals, rationals, regexes, references...) and others.
TAGS = [0, 1, 2, 3, 4, 5, 18, 21, 24, 25, 28, 29, 30, 32, 35, 36, 37, 100, 256, 258, 260, 261,
        1004, 43000, 55799, 9999]
CBOR_LEAVES = st.one_of(
    st.integers(0, 2**64 - 1).map(lambda n: cbor_head(0, n)),
    st.integers(0, 2**64 - 1).map(lambda n: cbor_head(1, n)),
    st.binary(max_size=40).map(lambda b: cbor_head(2, len(b)) + b),
    st.binary(max_size=20).map(lambda b: cbor_head(3, len(b)) + b),  # not always UTF-8
    st.sampled_from([b"\xf4", b"\xf6", b"\xf7", b"\xf8\x20", b"\xf9\x7c\x00", b"\xfb" + bytes(8)]),
)
CBOR_ITEMS = st.recursive(CBOR_LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=4).map(lambda items: cbor_head(4, len(items)) + b"".join(items)),
    st.lists(st.tuples(inner, inner), max_size=3).map(
        lambda pairs: cbor_head(5, len(pairs)) + b"".join(k + v for k, v in pairs)),
    st.tuples(st.sampled_from(TAGS), inner).map(lambda tv: cbor_head(6, tv[0]) + tv[1]),
), max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_escape_as_another_exception(data):
    with pytest.raises(AttestationInvalid):
        parse_document(b"\x84" + data)


@settings(max_examples=500, deadline=None)
@given(CBOR_ITEMS, CBOR_ITEMS)
def test_arbitrary_cbor_with_tags_never_escapes_as_another_exception(envelope, payload):
    with pytest.raises(AttestationInvalid):
        parse_document(envelope)
    document = b"\x84" + cbor2.dumps(ES384_PROTECTED_HEADER) + b"\xa0" + cbor_head(
        2, len(payload)) + payload + cbor2.dumps(bytes(96))
    with pytest.raises(AttestationInvalid):
        parse_document(document)


def test_reference_tags_are_refused_before_re_encoding(chain):
    # 10 kB that decode to 3 MB of strings; shared maps (each tag adds a level of nesting).
    bomb = cbor2.dumps(["A" * 1000] * 3000, string_referencing=True)
    shared = cbor2.dumps(payload_fields(chain), value_sharing=True)
    assert reason_of(parse_document, forge(chain, bomb)) == "noncanonical_cbor"
    assert reason_of(parse_document, forge(chain, shared)) == "malformed_cbor"
    # The bomb is refused by its decoded size, before any re-encoding is attempted.
    assert not fits(cbor2.loads(bomb), len(bomb))
    payload = parse_document(raw(AWS[0])).payload
    assert fits(cbor2.loads(payload), len(payload))


# --- Forged documents: a self-made chain -------------------------------------------------------

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)


@dataclass
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


def make_cert(name: str, issuer: Issued | None, *, ca: bool | None, path_length: int | None = None,
              usage: str | None = None, valid: tuple[timedelta, timedelta] | None = None,
              curve: ec.EllipticCurve | None = None, digest: hashes.HashAlgorithm | None = None,
              critical_extra: bool = False, issuer_name: str | None = None) -> Issued:
    """A certificate shaped like the AWS ones; ``issuer`` None makes it self-signed."""
    key = ec.generate_private_key(curve or ec.SECP384R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    before, after = valid or (timedelta(days=-1), timedelta(days=1))
    builder = (x509.CertificateBuilder().subject_name(subject)
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)])
                            if issuer_name else issuer.cert.subject if issuer else subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(NOW + before).not_valid_after(NOW + after))
    if ca is not None:
        builder = builder.add_extension(x509.BasicConstraints(ca, path_length), critical=True)
    usage = usage or ("key_cert_sign" if ca else "digital_signature")
    builder = builder.add_extension(key_usage(usage), critical=True)
    if critical_extra:
        builder = builder.add_extension(x509.OCSPNoCheck(), critical=True)
    signer = issuer.key if issuer else key
    return Issued(builder.sign(signer, digest or hashes.SHA384()), key)


def key_usage(granted: str) -> x509.KeyUsage:
    flags = dict.fromkeys(("digital_signature", "content_commitment", "key_encipherment",
                           "data_encipherment", "key_agreement", "key_cert_sign", "crl_sign",
                           "encipher_only", "decipher_only"), False)
    return x509.KeyUsage(**{**flags, granted: True})


@pytest.fixture(scope="module")
def chain() -> list[Issued]:
    """Root, intermediate, leaf (AWS's has three intermediates; one shows the reversal)."""
    root = make_cert("dev-root", None, ca=True)
    intermediate = make_cert("dev-intermediate", root, ca=True, path_length=0)
    return [root, intermediate, make_cert("dev-leaf", intermediate, ca=False)]


@pytest.fixture(scope="module")
def dev_roots(chain) -> list[TrustedRoot]:
    return [development_root(chain[0].cert, label="local-dev")]


def der(item: Issued) -> bytes:
    return item.cert.public_bytes(Encoding.DER)


DROP = object()  # a payload_fields() change that removes the field


def payload_fields(chain: list[Issued], **changes: Any) -> dict[str, Any]:
    fields = {
        "module_id": "i-0123456789abcdef0-enc0123456789abcdef",
        "digest": "SHA384",
        "timestamp": NOW_MS,
        "pcrs": {index: bytes([index + 1]) * 48 for index in range(16)},
        "certificate": der(chain[-1]),
        "cabundle": [der(item) for item in chain[:-1]],
        "public_key": None,
        "user_data": b"job-42",
        "nonce": b"\x07" * 16,
    }
    fields.update(changes)
    return {name: value for name, value in fields.items() if value is not DROP}


def indefinite_map(fields: dict[str, Any]) -> bytes:
    return b"\xbf" + b"".join(cbor2.dumps(k) + cbor2.dumps(v) for k, v in fields.items()) + b"\xff"


def sign(payload: bytes, key: ec.EllipticCurvePrivateKey, *,
         protected: bytes = ES384_PROTECTED_HEADER, unprotected: Any = None,
         tag: int | None = None) -> bytes:
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    r, s = decode_dss_signature(key.sign(to_be_signed, ec.ECDSA(hashes.SHA384())))
    signature = r.to_bytes(48, "big") + s.to_bytes(48, "big")
    cose = [protected, {} if unprotected is None else unprotected, payload, signature]
    return cbor2.dumps(cose if tag is None else cbor2.CBORTag(tag, cose))


def forge(chain: list[Issued], payload: bytes | None = None, **changes: Any) -> bytes:
    return sign(payload or cbor2.dumps(payload_fields(chain, **changes)), chain[-1].key)


def test_forged_document_needs_its_root_passed_as_a_development_root(chain, dev_roots):
    document = forge(chain)
    assert reason_of(verify_document, document, at=NOW) == "untrusted_root"
    result = verify_document(document, at=NOW, trusted_roots=dev_roots,
                             expected_pcrs={0: "01" * 48}, expected_nonce=b"\x07" * 16,
                             expected_user_data=b"job-42")
    assert result.development and result.root.label == "local-dev"
    assert result.document.public_key is None and result.document.timestamp == NOW
    with pytest.raises(ValueError, match="production root"):
        TrustedRoot(chain[0].cert, label="not-aws")


def test_indefinite_payload_map_and_cose_tag_18_are_accepted(chain, dev_roots):
    payload = indefinite_map(payload_fields(chain))
    verify_document(forge(chain, payload), at=NOW, trusted_roots=dev_roots)
    tagged = sign(cbor2.dumps(payload_fields(chain)), chain[-1].key, tag=18)
    verify_document(tagged, at=NOW, trusted_roots=dev_roots)
    other_tag = sign(cbor2.dumps(payload_fields(chain)), chain[-1].key, tag=98)
    assert reason_of(parse_document, other_tag) == "cose_structure"


def test_optional_fields_may_be_absent(chain, dev_roots):
    document = forge(chain, public_key=DROP, user_data=DROP, nonce=DROP)
    parsed = verify_document(document, at=NOW, trusted_roots=dev_roots).document
    assert (parsed.public_key, parsed.user_data, parsed.nonce) == (None, None, None)


@pytest.mark.parametrize(("changes", "reason"), [
    ({"extra": b""}, "payload_fields"),
    ({"cabundle": DROP}, "payload_fields"),
    ({"module_id": 7}, "field_invalid"),
    ({"module_id": ""}, "field_invalid"),
    ({"digest": "SHA256"}, "field_invalid"),
    ({"timestamp": -1}, "field_invalid"),
    ({"timestamp": 0}, "field_invalid"),
    ({"timestamp": float(NOW_MS)}, "field_invalid"),
    ({"timestamp": True}, "field_invalid"),
    ({"timestamp": 2**64}, "field_invalid"),  # cbor2 round-trips it as a bignum tag
    ({"pcrs": {}}, "field_invalid"),
    ({"pcrs": {32: bytes(48)}}, "field_invalid"),
    ({"pcrs": {-1: bytes(48)}}, "field_invalid"),
    ({"pcrs": {"0": bytes(48)}}, "field_invalid"),
    ({"pcrs": {0: bytes(47)}}, "field_invalid"),
    ({"pcrs": {0: "00" * 48}}, "field_invalid"),
    ({"certificate": None}, "field_invalid"),
    ({"certificate": bytes(1025)}, "field_invalid"),
    ({"cabundle": []}, "field_invalid"),
    ({"cabundle": [b"x"] * 9}, "field_invalid"),
    ({"cabundle": ["text"]}, "field_invalid"),
    ({"public_key": b""}, "field_invalid"),
    ({"public_key": bytes(1025)}, "field_invalid"),
    ({"user_data": bytes(513)}, "field_invalid"),
    ({"user_data": "text"}, "field_invalid"),
    ({"nonce": bytes(513)}, "field_invalid"),
    ({"nonce": [b"n"]}, "field_invalid"),
])
def test_payload_fields_are_checked_strictly(chain, dev_roots, changes, reason):
    document = forge(chain, **changes)
    assert reason_of(verify_document, document, at=NOW, trusted_roots=dev_roots) == reason


def test_payload_must_be_a_text_keyed_map(chain):
    for payload in (cbor2.dumps([1, 2]), cbor2.dumps({1: "x"}), cbor2.dumps("map")):
        assert reason_of(parse_document, forge(chain, payload)) == "payload_fields"


def encoded_pairs(fields: dict[str, Any]) -> list[bytes]:
    return [cbor2.dumps(name) + cbor2.dumps(value) for name, value in fields.items()]


@pytest.mark.parametrize("variant", ["duplicate_key", "non_shortest_int", "bignum_tag",
                                     "self_describe_tag", "chunked_bytes", "trailing_bytes"])
def test_non_canonical_cbor_payloads_are_refused(chain, variant):
    fields = payload_fields(chain)
    pairs = encoded_pairs(fields)
    nonce = cbor2.dumps("nonce")
    ts = cbor2.dumps("timestamp")
    index = list(fields).index
    if variant == "duplicate_key":  # a second nonce, which a lax decoder lets win
        pairs.append(nonce + cbor2.dumps(b"\x08" * 16))
    elif variant == "non_shortest_int":  # six bytes of user data, their length in two bytes
        pairs[index("user_data")] = cbor2.dumps("user_data") + b"\x59\x00\x06job-42"
    elif variant == "bignum_tag":
        pairs[index("timestamp")] = ts + cbor2.dumps(cbor2.CBORTag(2, NOW_MS.to_bytes(8, "big")))
    elif variant == "self_describe_tag":
        pairs[index("nonce")] = nonce + b"\xd9\xd9\xf7" + cbor2.dumps(b"\x07" * 16)
    elif variant == "chunked_bytes":
        pairs[index("nonce")] = nonce + b"\x5f" + cbor2.dumps(b"\x07" * 16) + b"\xff"
    header = bytes([0xA0 + len(pairs)])
    trailer = b"\x00" if variant == "trailing_bytes" else b""
    expected = "trailing_bytes" if trailer else "noncanonical_cbor"
    body = b"".join(pairs)
    for payload in (header + body + trailer, b"\xbf" + body + b"\xff" + trailer):
        assert reason_of(parse_document, forge(chain, payload)) == expected, variant


@pytest.mark.parametrize(("protected", "unprotected"), [
    (cbor2.dumps({1: -7}), {}),  # ES256
    (cbor2.dumps({1: -35, 4: b"kid"}), {}),
    (cbor2.dumps({1: -35.0}), {}),
    (b"", {}),
    (ES384_PROTECTED_HEADER, {4: b"kid"}),
    (ES384_PROTECTED_HEADER, []),
])
def test_headers_are_exactly_nitros(chain, protected, unprotected):
    document = sign(cbor2.dumps(payload_fields(chain)), chain[-1].key, protected=protected,
                    unprotected=unprotected)
    assert reason_of(parse_document, document) in {"protected_header", "cose_structure"}


def test_cose_envelope_shape(chain):
    good = cbor2.loads(forge(chain))
    for envelope in (good[:3], [*good, b""], {"a": 1}, [good[0], {}, "payload", good[3]],
                     [good[0], {}, good[2], good[3][:95]]):
        assert reason_of(parse_document, cbor2.dumps(envelope)) == "cose_structure"
    assert reason_of(parse_document, b"\x84" + bytes(MAX_DOCUMENT_BYTES)) == "too_large"
    assert reason_of(parse_document, b"\x9f\xff") == "noncanonical_cbor"  # indefinite array
    with pytest.raises(TypeError):
        parse_document("84")  # type: ignore[arg-type]


def test_signature_by_another_key_is_refused(chain, dev_roots):
    impostor = ec.generate_private_key(ec.SECP384R1())
    document = sign(cbor2.dumps(payload_fields(chain)), impostor)
    assert reason_of(verify_document, document, at=NOW, trusted_roots=dev_roots) == (
        "signature_invalid")


def build(*specs: dict[str, Any]) -> list[Issued]:
    """A chain from root to leaf, each issued by the one before it."""
    certs: list[Issued] = []
    for index, spec in enumerate(specs):
        certs.append(make_cert(f"cert-{index}", certs[-1] if certs else None, **spec))
    return certs


CA = {"ca": True}
LEAF = {"ca": False}


@pytest.mark.parametrize(("specs", "reason"), [
    ([CA, {"ca": None}, LEAF], "basic_constraints"),
    ([CA, {"ca": False}, LEAF], "basic_constraints"),
    ([CA, CA, {"ca": True}], "basic_constraints"),
    ([{"ca": True, "path_length": 0}, CA, LEAF], "path_length"),
    ([CA, {"ca": True, "path_length": 0}, CA, LEAF], "path_length"),
    ([CA, {"ca": True, "usage": "digital_signature"}, LEAF], "key_usage"),
    ([CA, CA, {"ca": False, "usage": "key_agreement"}], "key_usage"),
    ([CA, CA, {"ca": False, "critical_extra": True}], "critical_extension"),
    ([CA, {"ca": True, "valid": (timedelta(days=-2), timedelta(hours=-1))}, LEAF],
     "certificate_not_valid"),
    ([CA, CA, {"ca": False, "valid": (timedelta(hours=1), timedelta(days=1))}],
     "certificate_not_valid"),
    ([{"ca": True, "valid": (timedelta(days=-9), timedelta(days=-8))}, CA, LEAF],
     "certificate_not_valid"),
    ([CA, {"ca": True, "curve": ec.SECP256R1(), "digest": hashes.SHA384()}, LEAF],
     "certificate_invalid"),
    ([CA, {"ca": True, "digest": hashes.SHA256()}, LEAF], "certificate_invalid"),
])
def test_chain_rules(specs, reason):
    certs = build(*specs)
    roots = [development_root(certs[0].cert)]
    assert reason_of(verify_document, forge(certs), at=NOW, trusted_roots=roots) == reason


def test_real_shaped_chain_with_three_intermediates_verifies():
    certs = build(CA, {"ca": True, "path_length": 2}, {"ca": True, "path_length": 1},
                  {"ca": True, "path_length": 0}, LEAF)
    verify_document(forge(certs), at=NOW, trusted_roots=[development_root(certs[0].cert)])


def test_bundle_order_and_membership():
    deeper = build(CA, CA, CA, LEAF)
    roots = [development_root(deeper[0].cert)]
    root, first, second = (der(item) for item in deeper[:-1])
    cases = [
        ([root, second, first], "chain_broken"),  # not in issuing order
        ([first, second], "untrusted_root"),  # the root must lead the bundle
        ([root, second], "chain_broken"),  # a missing link
        ([root, first, second, b"\x30\x03\x02\x01\x00"], "certificate_invalid"),
    ]
    for bundle, reason in cases:
        document = forge(deeper, cabundle=bundle)
        assert reason_of(verify_document, document, at=NOW, trusted_roots=roots) == reason


def test_leaf_signed_by_a_lookalike_issuer_is_refused(chain, dev_roots):
    # Same subject name as the real intermediate, different key: only the signature tells.
    lookalike = Issued(chain[1].cert, ec.generate_private_key(ec.SECP384R1()))
    leaf = make_cert("dev-leaf", lookalike, ca=False)
    document = forge([chain[0], chain[1], leaf])
    assert reason_of(verify_document, document, at=NOW, trusted_roots=dev_roots) == "chain_broken"


def test_leaf_naming_another_issuer_is_refused_even_with_a_valid_signature(chain, dev_roots):
    leaf = make_cert("dev-leaf", chain[1], ca=False, issuer_name="someone-else")
    document = forge([chain[0], chain[1], leaf])
    assert reason_of(verify_document, document, at=NOW, trusted_roots=dev_roots) == "chain_broken"


def test_development_root_from_pem(chain):
    pem = chain[0].cert.public_bytes(Encoding.PEM)
    root = development_root(pem.decode(), label="pem")
    assert root.development and root.der == der(chain[0])
    assert aws_nitro_root().sha256 == AWS_NITRO_ROOT_G1_SHA256
