"""Signatures are verified against the DID document recorded with them: real keys, real
signatures, and each way the recorded document can be wrong."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cms.domain.canonical import iso_utc
from cms.domain.contracts import Create, Sign, Signature, Submit, record_change
from cms.domain.did import DidResolver
from cms.domain.errors import DidDocumentTooLarge
from cms.domain.signatures import contract_signing_payload, recordable
from cms.domain.verification import recorded_documents, recorded_signature_checker
from cms_client import Ed25519Signer, EthereumSigner
from tests.unit.test_contract_lifecycle import NOW, content

CHAIN_ID = 31337


def signed_history(provider, consumer, documents=None):
    """A contract both parties really signed, with the events that record it."""
    documents = documents or {}
    events, contract = [], None

    def record(command, actor):
        nonlocal contract
        contract, event = record_change(contract, command, actor=actor, now=NOW,
                                        event_id=str(len(events)))
        events.append(event)

    record(Create("c1", replace(content(), provider_did=provider.did,
                                consumer_did=consumer.did)), provider.did)
    record(Submit(), provider.did)
    for signer, role in ((provider, "provider"), (consumer, "consumer")):
        payload = contract_signing_payload(contract_id="c1", digest_hex=contract.digest,
                                           signer_did=signer.did, chain_id=CHAIN_ID)
        document = DidResolver().resolve(signer.did)
        signature = Signature(signer.did, role, document.assertion_method[0],
                              payload["scheme"], signer.sign_contract(payload),
                              contract.digest, iso_utc(NOW), CHAIN_ID)
        record(Sign(signature, documents.get(signer.did, recordable(document))), signer.did)
    return contract, events


def problems(contract, events):
    check = recorded_signature_checker(events)
    return {s.signer_did: check(contract, s) for s in contract.signatures}


@pytest.fixture
def parties():
    return EthereumSigner(chain_id=CHAIN_ID), Ed25519Signer()


def test_real_signatures_verify_against_their_recorded_documents(parties):
    contract, events = signed_history(*parties)
    assert set(recorded_documents(events)) == {p.did for p in parties}
    assert problems(contract, events) == {p.did: None for p in parties}


def test_a_document_that_is_not_the_one_the_did_denotes(parties):
    provider, consumer = parties
    other = DidResolver().resolve(Ed25519Signer().did)
    forged = {**recordable(other), "id": consumer.did}
    forged["verificationMethod"] = [{**m, "id": m["id"].replace(other.id, consumer.did),
                                     "controller": consumer.did}
                                    for m in forged["verificationMethod"]]
    for name in ("authentication", "assertionMethod"):
        forged[name] = [ref.replace(other.id, consumer.did) for ref in forged[name]]
    contract, events = signed_history(provider, consumer, {consumer.did: forged})
    assert "not the one" in problems(contract, events)[consumer.did]


def test_a_document_with_extra_fields_is_not_in_normal_form(parties):
    provider, consumer = parties
    padded = {**recordable(DidResolver().resolve(provider.did)), "service": []}
    contract, events = signed_history(provider, consumer, {provider.did: padded})
    assert "normal form" in problems(contract, events)[provider.did]


def test_no_recorded_document(parties):
    provider, consumer = parties
    contract, events = signed_history(provider, consumer, {consumer.did: None})
    assert problems(contract, events)[consumer.did] == (
        "no DID document was recorded with this signature")


def test_the_chain_id_a_signature_was_made_under_is_the_one_checked(parties):
    provider, consumer = parties
    contract, events = signed_history(provider, consumer)
    moved = replace(contract, signatures=tuple(replace(s, chain_id=1)
                                               for s in contract.signatures))
    found = problems(moved, events)
    assert found[consumer.did] is None  # Ed25519 messages do not name a chain
    assert found[provider.did] is not None  # EIP-712's domain does


def test_a_huge_document_is_refused_at_signing():
    from cms.domain.did.document import DidDocument, VerificationMethod

    did = "did:web:example.com"
    methods = tuple(VerificationMethod(f"{did}#k{i}", "Ed25519VerificationKey2018", did,
                                       ed25519_public_key=bytes([i % 256]) * 32)
                    for i in range(400))
    document = DidDocument(did, methods, (), tuple(m.id for m in methods))
    with pytest.raises(DidDocumentTooLarge):
        recordable(document)


def test_a_scheme_that_is_not_the_keys_is_named(parties):
    provider, consumer = parties
    contract, events = signed_history(provider, consumer)
    relabelled = replace(contract, signatures=tuple(replace(s, scheme="eip712")
                                                    for s in contract.signatures))
    found = problems(relabelled, events)
    assert found[provider.did] is None
    assert "recorded as a 'eip712' signature" in found[consumer.did]
