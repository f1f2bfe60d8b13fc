"""EIP-4361 parsing, rendering and checking against the SIWE reference suite's vectors."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak

from cms.domain.errors import InvalidSignature, MalformedSignature, ValidationFailed
from cms.domain.siwe import SiweMessage, check_siwe, new_nonce, parse_siwe
from tests.vectors import DID_VECTORS_DIR

VECTOR_DIR = DID_VECTORS_DIR


def _load(name: str) -> Any:
    return json.loads((VECTOR_DIR / name).read_text(encoding="utf-8"))


VECTORS = _load("vectors.json")
PARSING_POSITIVE = _load("siwe_parsing_positive.json")
PARSING_NEGATIVE = _load("siwe_parsing_negative.json")
VERIFICATION_POSITIVE = _load("siwe_verification_positive.json")
VERIFICATION_NEGATIVE = _load("siwe_verification_negative.json")
DEFAULT_NOW = datetime(2024, 6, 1, tzinfo=UTC)

_FIELD_NAMES = {
    "domain": "domain",
    "address": "address",
    "statement": "statement",
    "uri": "uri",
    "version": "version",
    "chainId": "chain_id",
    "nonce": "nonce",
    "issuedAt": "issued_at",
    "expirationTime": "expiration_time",
    "notBefore": "not_before",
    "requestId": "request_id",
    "resources": "resources",
    "scheme": "scheme",
}
_NOT_MESSAGE_FIELDS = {"signature", "time", "domainBinding", "matchNonce"}


def _message_from_fields(fields: dict[str, Any]) -> SiweMessage:
    values = {_FIELD_NAMES[k]: v for k, v in fields.items() if k not in _NOT_MESSAGE_FIELDS}
    values.setdefault("statement", None)
    values["resources"] = tuple(values.get("resources", ()))
    return SiweMessage(**values)


def _expected_fields(message: SiweMessage) -> dict[str, Any]:
    return {camel: getattr(message, snake) for camel, snake in _FIELD_NAMES.items()}


def _when(value: str | None) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else DEFAULT_NOW


# --- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PARSING_POSITIVE))
def test_parsing_positive_cases(name: str) -> None:
    case = PARSING_POSITIVE[name]
    message = parse_siwe(case["message"])
    expected = {
        "statement": None,
        "resources": (),
        "scheme": None,
        "expirationTime": None,
        "notBefore": None,
        "requestId": None,
    }
    expected.update(case["fields"])
    expected["resources"] = tuple(expected["resources"])
    assert _expected_fields(message) == expected
    assert message.to_text() == case["message"]
    assert _message_from_fields(case["fields"]) == message


@pytest.mark.parametrize("name", list(PARSING_NEGATIVE))
def test_parsing_negative_cases(name: str) -> None:
    with pytest.raises(ValidationFailed, match="invalid SIWE message"):
        parse_siwe(PARSING_NEGATIVE[name])


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda t: t + "\n", "unexpected line"),
        (lambda t: t.replace("Chain ID: 1", "Chain ID: 01"), "not a decimal"),
        (lambda t: t.replace(" wants you", " wants  you"), "header"),
        (lambda t: t + "\nResources:", "at least one URI"),
        (
            lambda t: t.replace("Issued At: 2021-09-30T16:25:24.000Z", "Issued At: 2021-09-30"),
            "RFC 3339",
        ),
        (lambda t: t.replace("\n\nURI", "\nURI"), "blank"),
        (lambda t: "", "header"),
    ],
)
def test_parsing_rejects_other_deviations(mutate: Any, reason: str) -> None:
    text = PARSING_POSITIVE["no optional field"]["message"]
    with pytest.raises(ValidationFailed, match=reason):
        parse_siwe(mutate(text))


def test_every_optional_field_round_trips() -> None:
    base = parse_siwe(PARSING_POSITIVE["couple of optional fields"]["message"])
    full = replace(
        base,
        expiration_time="2021-10-01T00:00:00Z",
        not_before="2021-09-30T00:00:00Z",
        request_id="req-42",
        scheme="https",
    )
    assert parse_siwe(full.to_text()) == full
    assert replace(base, statement="").to_text().count("\n\n\n\n") == 1
    assert parse_siwe(replace(base, statement="").to_text()).statement == ""


def test_construction_validates_fields() -> None:
    base = parse_siwe(PARSING_POSITIVE["no optional field"]["message"])
    with pytest.raises(ValidationFailed, match="statement"):
        replace(base, statement="two\nlines")
    with pytest.raises(ValidationFailed, match="chain id"):
        replace(base, chain_id=-1)


# --- nonce ---------------------------------------------------------------------------------


def test_new_nonce_is_long_random_and_alphanumeric() -> None:
    nonces = {new_nonce() for _ in range(50)}
    assert len(nonces) == 50
    for nonce in nonces:
        assert nonce.isalnum() and nonce.isascii() and len(nonce) * 4 >= 128
    base = parse_siwe(PARSING_POSITIVE["no optional field"]["message"])
    assert replace(base, nonce=nonces.pop()).nonce


# --- verification --------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(VERIFICATION_POSITIVE))
def test_verification_positive_cases(name: str) -> None:
    fields = VERIFICATION_POSITIVE[name]
    message = _message_from_fields(fields)
    assert parse_siwe(message.to_text()) == message
    check_siwe(
        message,
        fields["signature"],
        now=_when(fields.get("time")),
        expected_domain=fields["domain"],
        expected_nonce=fields["nonce"],
    )


@pytest.mark.parametrize("case", VECTORS["siwe_positive"], ids=lambda c: c["name"])
def test_vector_positive_messages(case: dict[str, Any]) -> None:
    message = parse_siwe(case["message"])
    assert message.to_text() == case["message"]
    assert message.address == case["address"]
    signable = encode_defunct(text=case["message"])
    digest = keccak(b"\x19" + signable.version + signable.header + signable.body)
    assert "0x" + digest.hex() == case.get("eip191_hash", "0x" + digest.hex())
    assert Account.recover_message(signable, signature=case["signature"]) == case["address"]
    check_siwe(
        message,
        case["signature"],
        now=_when(case["verify_at_time"]),
        expected_domain=message.domain,
        expected_nonce=message.nonce,
    )


def test_computed_vector_rejections() -> None:
    (case,) = [c for c in VECTORS["siwe_positive"] if "reject_at_time" in c]
    message = parse_siwe(case["message"])
    expiry = case["reject_at_time"].split(" ", 1)[0]
    with pytest.raises(ValidationFailed, match="expired"):
        check_siwe(message, case["signature"], now=_when(expiry), expected_domain=message.domain)
    with pytest.raises(ValidationFailed, match="domain"):
        check_siwe(
            message,
            case["signature"],
            now=_when(case["verify_at_time"]),
            expected_domain=case["reject_if_expected_domain"],
        )
    assert Account.from_key(case["private_key"]).address == case["address"]


EXPECTED_FAILURES: dict[str, tuple[type[Exception], str]] = {
    "expired message": (ValidationFailed, "expired"),
    "domain binding": (ValidationFailed, "domain"),
    "custom time": (ValidationFailed, "expired"),
    "custom nonce": (ValidationFailed, "nonce"),
    "malformed signature": (MalformedSignature, "65 bytes"),
    "wrong signature": (InvalidSignature, "not made by"),
    "not yet valid": (ValidationFailed, "not valid before"),
    "invalid issuedAt": (ValidationFailed, "issued_at"),
    "invalid notBefore": (ValidationFailed, "not_before"),
    "invalid expirationTime": (ValidationFailed, "expiration_time"),
}
NEGATIVE_CASES = [(name, fields) for name, fields in VERIFICATION_NEGATIVE.items()] + [
    (case["name"], case["fields"]) for case in VECTORS["siwe_negative"]
]


def test_every_negative_case_has_an_expected_reason() -> None:
    assert {name for name, _ in NEGATIVE_CASES} == set(EXPECTED_FAILURES)


@pytest.mark.parametrize(("name", "fields"), NEGATIVE_CASES, ids=[n for n, _ in NEGATIVE_CASES])
def test_verification_negative_cases(name: str, fields: dict[str, Any]) -> None:
    error, reason = EXPECTED_FAILURES[name]
    with pytest.raises(error, match=reason):
        check_siwe(
            _message_from_fields(fields),
            fields["signature"],
            now=_when(fields.get("time")),
            expected_domain=fields.get("domainBinding", fields["domain"]),
            expected_nonce=fields.get("matchNonce", fields["nonce"]),
        )


def test_signature_of_another_message_fails() -> None:
    fields = VERIFICATION_POSITIVE["example message"]
    message = replace(_message_from_fields(fields), nonce="aaaaaaaaaaaa")
    with pytest.raises(InvalidSignature):
        check_siwe(message, fields["signature"], now=DEFAULT_NOW, expected_domain=None)


def test_check_siwe_needs_an_aware_time() -> None:
    fields = VERIFICATION_POSITIVE["example message"]
    with pytest.raises(ValueError, match="timezone-aware"):
        check_siwe(
            _message_from_fields(fields),
            fields["signature"],
            now=datetime(2024, 1, 1),
            expected_domain=None,
        )
