"""What a training result claims, how the enclave binds it, and how anyone checks it.

The enclave states the result as a ``Statement`` (``cms_wire.training``: job, contract digest,
model hash, epsilon spent with its accountant) and asks its attestation module for a document
whose ``user_data`` is SHA-256 of the statement's canonical JSON. The document is signed by a
key that chains to the AWS Nitro root and carries the image's measurements (PCR0), so a
verifier holding the bundle (statement, document, contract content) learns: this image,
which the contract allows, produced this model for this job under this contract, spending
this much of its budget. Nothing else in the bundle is trusted: every field is recomputed or
checked against the document or the contract's own terms.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cms.domain.attestation.document import parse_document
from cms.domain.attestation.roots import TrustedRoot, aws_roots
from cms.domain.attestation.verification import VerifiedAttestation, verify_document
from cms.domain.canonical import sha256_hex
from cms.domain.contracts.content import Content, content_digest
from cms.domain.errors import AttestationInvalid, AttestationRejected
from cms.domain.privacy import NotATrainingContract, TrainingTerms, epsilon, epsilon_text
from cms.domain.training_jobs import checked_statement
from cms.domain.verification import Check
from cms_wire.training import STATEMENT_FORMAT, Statement

__all__ = ["FORMAT", "STATEMENT_FORMAT", "Statement", "TrainingReport", "bundle",
           "result_bundle", "verify_result"]

FORMAT = "cms-training-result/v1"


def bundle(statement: Statement, document: bytes, contract_content: dict[str, Any], *,
           attested: bool = True) -> dict[str, Any]:
    """The self-contained result a verifier needs (what the API and the CLI exchange)."""
    return {"format": FORMAT, "attested": attested, "statement": statement.to_json(),
            "attestation": base64.b64encode(document).decode(),
            "contract": {"id": statement.contract_id, "content": contract_content}}


def result_bundle(statement: dict[str, Any], attestation: str, contract_id: str,
                  contract_content: dict[str, Any]) -> dict[str, Any]:
    """The bundle of a stored result, its statement and document as stored: the verifier
    reads them as it reads anyone's, so a stored value that does not read is a failed
    check."""
    return {"format": FORMAT, "attested": True, "statement": statement,
            "attestation": attestation,
            "contract": {"id": contract_id, "content": contract_content}}


@dataclass(frozen=True)
class TrainingReport:
    checks: list[Check]

    @property
    def valid(self) -> bool:
        return all(check.ok for check in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {"valid": self.valid, "checks": [check.to_json() for check in self.checks]}


@dataclass(frozen=True)
class _Parsed:
    statement: Statement
    document: bytes
    content: Content
    contract_id: str
    content_digest: str


def verify_result(result: Any, *, roots: Iterable[TrustedRoot] | None = None,
                  model: bytes | None = None, at: datetime | None = None) -> TrainingReport:
    """Check a result bundle; each check says what it found. ``roots`` adds trusted roots
    (a development root accepts simulated enclaves, and every check then says so); ``model``
    is the model file, if the verifier has it; ``at`` defaults to the document's own time."""
    try:
        parsed = _parse(result)
    except ValueError as error:
        return TrainingReport([Check("format", False, str(error))])
    checks = [Check("format", True, f"{FORMAT}, job {parsed.statement.job_id}")]
    attestation, attestation_check = _attestation(parsed, roots, at)
    checks.append(attestation_check)
    terms, unusable = _terms(parsed.content)
    checks += [
        _image(attestation, terms),
        _binding(attestation, parsed.statement),
        _contract(parsed),
        _budget(parsed.statement, terms, unusable),
    ]
    if model is not None:
        actual = sha256_hex(model)
        checks.append(Check("model", actual == parsed.statement.model_sha256,
                            f"the model file hashes to {actual}"))
    return TrainingReport(checks)


def _parse(result: Any) -> _Parsed:
    if not isinstance(result, dict) or result.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} result")
    if result.get("attested") is not True:
        raise ValueError("the result is marked as not attested (trained outside an enclave)")
    statement = checked_statement(result.get("statement"))
    try:
        document = base64.b64decode(str(result.get("attestation")), validate=True)
        contract = result["contract"]
        content = Content.from_json(contract["content"])
        contract_id = str(contract["id"])
        digest = content_digest(contract_id, content)  # ValueError unless I-JSON
    except (binascii.Error, KeyError, TypeError, ValueError, AttributeError):
        raise ValueError("the attestation (base64) or the contract content is unreadable") \
            from None
    return _Parsed(statement, document, content, contract_id, digest)


def _attestation(parsed: _Parsed, roots: Iterable[TrustedRoot] | None,
                 at: datetime | None) -> tuple[VerifiedAttestation | None, Check]:
    trusted = (*aws_roots(), *(roots or ()))
    try:
        moment = at or parse_document(parsed.document).timestamp
        verified = verify_document(parsed.document, at=moment, max_age=None,
                                   trusted_roots=trusted)
    except (AttestationInvalid, AttestationRejected) as error:
        return None, Check("attestation", False, str(error))
    kind = ("a DEVELOPMENT root: a simulated enclave, not evidence of a Nitro enclave"
            if verified.development else "the AWS Nitro Enclaves root")
    return verified, Check("attestation", True,
                           f"signed by {verified.document.module_id}, chained to {kind}, "
                           f"at {verified.document.timestamp.isoformat()}")


def _terms(content: Content) -> tuple[TrainingTerms | None, str]:
    try:
        return TrainingTerms.of(content.terms), ""
    except NotATrainingContract as error:
        return None, error.detail


def _image(attestation: VerifiedAttestation | None, terms: TrainingTerms | None) -> Check:
    if attestation is None:
        return Check("image", False, "no verified attestation to read PCR0 from")
    if attestation.debug_mode:
        return Check("image", False, "the enclave ran in debug mode (PCRs are zero)")
    pcr0 = attestation.document.pcrs.get(0, b"").hex()
    allowed = terms.enclave_measurements if terms else ()
    if pcr0 not in allowed:
        return Check("image", False, f"PCR0 {pcr0[:16]}… is not among the contract's "
                                     f"{len(allowed)} allowed enclave measurements")
    return Check("image", True, f"PCR0 {pcr0[:16]}… is allowed by the contract")


def _binding(attestation: VerifiedAttestation | None, statement: Statement) -> Check:
    if attestation is None:
        return Check("binding", False, "no verified attestation to read user_data from")
    expected = statement.user_data()
    ok = attestation.document.user_data == expected
    return Check("binding", ok, "the document's user_data is SHA-256 of the statement"
                 if ok else "the document's user_data does not match the statement")


def _contract(parsed: _Parsed) -> Check:
    digest = parsed.content_digest
    ok = (digest == parsed.statement.contract_digest
          and parsed.contract_id == parsed.statement.contract_id)
    return Check("contract", ok, f"the contract's content digest is {digest}" + (
        "" if ok else f"; the statement names {parsed.statement.contract_digest}"))


def _budget(statement: Statement, terms: TrainingTerms | None, unusable: str) -> Check:
    if terms is None:
        return Check("budget", False, unusable)
    spent = epsilon(statement.epsilon_spent)  # checked_statement read it already
    ok = spent <= terms.epsilon and statement.delta <= terms.delta
    return Check("budget", ok, f"epsilon {epsilon_text(spent)} at delta {statement.delta:g} "
                               f"({statement.accountant}, {statement.accountant_version}) of "
                               f"the contract's {epsilon_text(terms.epsilon)} at "
                               f"{terms.delta:g}")
