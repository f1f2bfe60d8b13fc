"""Paillier encryption and the privacy contracts built on it."""

from __future__ import annotations

import pytest

from cms.domain.engine.errors import ContractNotFound, ContractReverted, EngineValidationError
from cms.domain.engine.gas import GasMeter
from cms.domain.engine.paillier import (
    Ciphertext,
    PrivateKey,
    PublicKey,
    generate_keypair,
)
from cms.domain.engine.privacy_contracts import (
    PRIVACY_MULTIPLIERS,
    ConfidentialLedger,
    SealedBidTally,
)
from cms.domain.engine.state import MemoryState

ALICE = "0x" + "a1" * 20
BOB = "0x" + "b2" * 20
CAROL = "0x" + "c3" * 20
OPERATOR = "0x" + "0e" * 20
LIMIT = 30_000_000


@pytest.fixture(scope="module")
def keys() -> tuple[PublicKey, PrivateKey]:
    return generate_keypair(512)


# --- the cryptosystem ---------------------------------------------------------------------

@pytest.mark.parametrize("value", [0, 1, 42, -1, -123_456_789, 2**100, -(2**100)])
def test_decrypt_inverts_encrypt_for_signed_values(keys, value):
    pk, sk = keys
    assert sk.decrypt(pk.encrypt(value)) == value


def test_range_edges_and_overflow_detection(keys):
    pk, sk = keys
    assert sk.decrypt(pk.encrypt(pk.max_int)) == pk.max_int
    assert sk.decrypt(pk.encrypt(-pk.max_int)) == -pk.max_int
    with pytest.raises(EngineValidationError):
        pk.encrypt(pk.max_int + 1)
    with pytest.raises(EngineValidationError, match="overflowed"):
        sk.decrypt(pk.encrypt(pk.max_int) + pk.encrypt(pk.max_int))


def test_homomorphic_operations(keys):
    pk, sk = keys
    a, b = pk.encrypt(1_000), pk.encrypt(-250)
    assert sk.decrypt(a + b) == 750
    assert sk.decrypt(a - b) == 1_250
    assert sk.decrypt(a.add_plain(-1_001)) == -1
    assert sk.decrypt(a.mul_plain(7)) == 7_000
    assert sk.decrypt(b.mul_plain(-4)) == 1_000
    assert sk.decrypt(a.mul_plain(0)) == 0


def test_encryption_is_probabilistic_and_rerandomisation_keeps_the_value(keys):
    pk, sk = keys
    first, second = pk.encrypt(5), pk.encrypt(5)
    assert first.value != second.value
    fresh = first.rerandomize()
    assert fresh.value != first.value
    assert sk.decrypt(fresh) == 5


def test_opening_proves_a_decryption(keys):
    pk, sk = keys
    c = pk.encrypt(-77) + pk.encrypt(10)
    value, r = sk.open(c)
    assert value == -67
    assert pk.verify_opening(c, value, r)
    assert not pk.verify_opening(c, value + 1, r)


@pytest.mark.parametrize("bad", [0, -5, "n_square", "multiple_of_n", 1.5, True, "x"])
def test_malformed_ciphertexts_are_validation_errors(keys, bad):
    pk, _ = keys
    specials = {"n_square": pk.n_square, "multiple_of_n": pk.n * 3}  # out of range; not a unit
    with pytest.raises(EngineValidationError):
        pk.ciphertext(specials.get(bad, bad) if isinstance(bad, str) else bad)


@pytest.mark.parametrize("text", ["", "XYZ", "0x12", "-1", "0", "f" * 3000, None])
def test_malformed_serialised_ciphertexts_are_refused(keys, text):
    pk, _ = keys
    with pytest.raises(EngineValidationError):
        pk.parse_ciphertext(text)


def test_ciphertexts_of_another_key_are_refused(keys):
    pk, sk = keys
    other_pk, _ = generate_keypair(256)
    with pytest.raises(EngineValidationError):
        pk.encrypt(1) + other_pk.encrypt(1)
    with pytest.raises(EngineValidationError):
        sk.decrypt(other_pk.encrypt(1))


def test_keys_and_ciphertexts_round_trip_through_json(keys):
    pk, sk = keys
    c = pk.encrypt(9)
    assert PublicKey.from_json(pk.to_json()) == pk
    assert PrivateKey.from_json(sk.to_json()) == sk
    assert pk.parse_ciphertext(c.to_json()) == c
    assert pk.from_bytes(c.to_bytes()) == c
    assert str(sk.lam) not in repr(sk)
    with pytest.raises(EngineValidationError):
        PrivateKey.from_json({**sk.to_json(), "mu": "1"})
    with pytest.raises(EngineValidationError):
        PublicKey.from_json({"n": "10"})


def test_key_generation_refuses_tiny_sizes():
    with pytest.raises(EngineValidationError):
        generate_keypair(128)


def test_default_key_is_2048_bits_from_openssl():
    pk, sk = generate_keypair()
    assert pk.n.bit_length() == 2048
    assert sk.decrypt(pk.encrypt(-3) + pk.encrypt(10)) == 7


# --- confidential ledger ------------------------------------------------------------------

def _ledger(pk: PublicKey, state: MemoryState | None = None) -> tuple[ConfidentialLedger,
                                                                         MemoryState]:
    state = state or MemoryState()
    ConfidentialLedger(state, GasMeter(LIMIT)).init(pk.to_json(), OPERATOR)
    return ConfidentialLedger(state, GasMeter(LIMIT)), state


def _balance(ledger: ConfidentialLedger, pk: PublicKey, sk: PrivateKey, account: str) -> int:
    return sk.decrypt(pk.parse_ciphertext(ledger.balance_of(ALICE, account)))


def test_ledger_deposit_and_transfer_end_to_end(keys):
    pk, sk = keys
    ledger, state = _ledger(pk)
    ledger.deposit(OPERATOR, ALICE, pk.encrypt(100).to_json())
    ledger.deposit(OPERATOR, ALICE, pk.encrypt(20).to_json())
    ledger.transfer(ALICE, BOB, pk.encrypt(45).to_json())
    ledger.call("transfer", {"to": ALICE, "amount": pk.encrypt(5).to_json()}, ALICE)
    assert _balance(ledger, pk, sk, ALICE) == 75
    assert _balance(ledger, pk, sk, BOB) == 45
    assert ledger.balance_of(ALICE, CAROL) is None
    assert all(b"100" not in value for value in state.snapshot().values())


def test_ledger_refusals_leave_state_untouched(keys):
    pk, _ = keys
    ledger, state = _ledger(pk)
    ledger.deposit(OPERATOR, ALICE, pk.encrypt(10).to_json())
    before = state.snapshot()
    with pytest.raises(ContractReverted) as unauthorized:
        ledger.deposit(ALICE, ALICE, pk.encrypt(10).to_json())
    assert unauthorized.value.error == "PrivacyUnauthorizedAccount"
    with pytest.raises(ContractReverted, match="ConfidentialNoBalance"):
        ledger.transfer(BOB, ALICE, pk.encrypt(1).to_json())
    for bad in ({"to": BOB, "amount": "00"}, {"to": "0x12", "amount": "5"}, {"to": BOB}):
        with pytest.raises(EngineValidationError):
            ledger.call("transfer", bad, ALICE)
    with pytest.raises(EngineValidationError):
        ledger.call("mint", {}, ALICE)
    assert state.snapshot() == before


def test_ledger_out_of_gas_writes_nothing(keys):
    pk, _ = keys
    state = MemoryState()
    _ledger(pk, state)
    before = state.snapshot()
    meter = GasMeter(100_000)
    with pytest.raises(Exception, match="out of gas"):
        ConfidentialLedger(state, meter).deposit(OPERATOR, ALICE, pk.encrypt(1).to_json())
    assert state.snapshot() == before


def test_uninitialised_and_double_init(keys):
    pk, _ = keys
    with pytest.raises(ContractNotFound):
        ConfidentialLedger(MemoryState(), GasMeter(LIMIT)).transfer(ALICE, BOB, "01")
    _, state = _ledger(pk)
    with pytest.raises(EngineValidationError):
        ConfidentialLedger(state, GasMeter(LIMIT)).init(pk.to_json(), OPERATOR)


def test_privacy_multipliers_scale_the_base_costs(keys):
    pk, _ = keys
    ledger_state = MemoryState()
    _ledger(pk, ledger_state)
    amount = pk.encrypt(3).to_json()
    deposit_gas, transfer_gas = GasMeter(LIMIT), GasMeter(LIMIT)
    ConfidentialLedger(ledger_state, deposit_gas).deposit(OPERATOR, ALICE, amount)
    ConfidentialLedger(ledger_state, transfer_gas).transfer(ALICE, ALICE, amount)
    schedule = deposit_gas.schedule
    assert deposit_gas.breakdown["privacy_call"] == schedule.call_base * 2
    assert transfer_gas.breakdown["privacy_call"] == schedule.call_base * 5
    ciphertext_words = -(-pk.ciphertext_bytes // 32)
    # the deposit's new balance slot is a fresh write of every word, at 2x
    assert deposit_gas.breakdown["privacy_storage_write"] == (
        ciphertext_words * schedule.storage_write_new * 2)
    assert all(v % 2 == 0 for v in deposit_gas.breakdown.values())
    assert all(v % 5 == 0 for v in transfer_gas.breakdown.values())
    assert set(PRIVACY_MULTIPLIERS.values()) <= set(range(2, 11))


# --- sealed-bid tally ---------------------------------------------------------------------

def test_sealed_bid_sum_end_to_end(keys):
    pk, sk = keys
    state = MemoryState()
    SealedBidTally(state, GasMeter(LIMIT)).init(pk.to_json(), OPERATOR)
    tally = SealedBidTally(state, GasMeter(LIMIT))
    for bidder, bid in ((ALICE, 300), (BOB, 450), (CAROL, 250)):
        tally.call("submitBid", {"bid": pk.encrypt(bid).to_json()}, bidder)
    assert tally.bid_count(ALICE) == 3
    encrypted_total = pk.parse_ciphertext(tally.tally(ALICE))
    total, r = sk.open(encrypted_total)
    assert total == 1_000
    with pytest.raises(ContractReverted, match="InvalidOpening"):
        tally.reveal(OPERATOR, str(total + 1), format(r, "x"))
    with pytest.raises(ContractReverted, match="PrivacyUnauthorizedAccount"):
        tally.reveal(ALICE, total, format(r, "x"))
    assert tally.revealed_total(ALICE) is None
    gas = GasMeter(LIMIT)
    assert SealedBidTally(state, gas).reveal(OPERATOR, str(total), format(r, "x")) == 1_000
    assert gas.breakdown["privacy_call"] == gas.schedule.call_base * 10
    assert tally.revealed_total(BOB) == 1_000
    with pytest.raises(ContractReverted, match="TallyClosed"):
        tally.submit_bid("0x" + "d4" * 20, pk.encrypt(1).to_json())


def test_sealed_bid_refusals_leave_state_untouched(keys):
    pk, _ = keys
    state = MemoryState()
    SealedBidTally(state, GasMeter(LIMIT)).init(pk.to_json(), OPERATOR)
    tally = SealedBidTally(state, GasMeter(LIMIT))
    with pytest.raises(ContractReverted, match="TallyEmpty"):
        tally.reveal(OPERATOR, 0, "1")
    tally.submit_bid(ALICE, pk.encrypt(10).to_json())
    before = state.snapshot()
    with pytest.raises(ContractReverted, match="BidAlreadySubmitted"):
        tally.submit_bid(ALICE, pk.encrypt(10).to_json())
    with pytest.raises(EngineValidationError):
        tally.submit_bid(BOB, format(pk.n, "x"))  # shares a factor with n
    with pytest.raises(EngineValidationError):
        tally.reveal(OPERATOR, "ten", "1")
    with pytest.raises(EngineValidationError):
        tally.reveal(OPERATOR, 10, "0x1")
    assert state.snapshot() == before
    assert isinstance(pk.parse_ciphertext(tally.tally(BOB)), Ciphertext)
