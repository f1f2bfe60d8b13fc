"""Privacy contracts over Paillier ciphertexts: the contract computes, never reads.

Two built-in contracts run on a ``ContractState`` and a ``GasMeter`` like ``Erc20``, and are
all-or-nothing the same way (a ``StagedState`` committed only when the call succeeds):

- ``ConfidentialLedger``: balances are ciphertexts under one public key. An operator deposits
  encrypted amounts; holders transfer encrypted amounts, and the contract only multiplies
  ciphertexts (adds and subtracts the hidden values). Nobody but the key holder (an auditor, or
  the enclave holding the key) learns a balance or an amount.
- ``SealedBidTally``: bidders submit encrypted bids, the contract keeps only their homomorphic
  sum (individual bids are never stored, let alone seen), and the key holder reveals the total
  with a publicly checkable opening (the plaintext and the randomness of the sum), so the
  revealed figure is verified by the contract rather than trusted.

What is honestly *not* provided: a range or solvency proof. The contract cannot tell whether an
encrypted amount is positive or whether a sender can afford it, so a dishonest holder could
transfer a negative amount (stealing) or more than they hold (a negative balance), and a
bidder could submit a negative or absurd bid. The key holder detects it on decryption, after
the fact. Production use needs a zero-knowledge range proof with every ciphertext (e.g.
Bulletproofs over a commitment tied to it) or the check done inside the attested enclave that
holds the key; both are out of scope here. One key for everyone also means its holder sees all.

Gas: each function costs what the same base steps cost an ordinary contract (call, storage
read and write per 32-byte word, from ``gas.GasSchedule``), times a privacy multiplier in the
2x-10x range the engine design gives privacy contracts, chosen by the arithmetic the function
does on top of the storage. The arithmetic itself is charged on top, by the key's size, before
it runs (``gas.charge_compute``, EIP-2565 units, label ``privacy_arithmetic``): a stored
ciphertext's unit check a gcd, a homomorphic addition one multiplication mod n², a subtraction
an inverse and a multiplication, a reveal's re-encryption a MODEXP of exponent n mod n² (2.8M
gas with a 2048-bit key, 22.4M with a 4096-bit one, the largest ``paillier.MAX_KEY_BITS``
allows). Multipliers:

=================  ====  ===================================================================
function           x     why
=================  ====  ===================================================================
init               2     stores a public key (validated: odd, >= 256 bits)
deposit            2     validates one ciphertext (gcd with n), one modular multiplication
balanceOf, tally   2     reads a ciphertext; no arithmetic, but ciphertexts are 16 words
bidCount           2     a counter in a privacy contract: same rate as the other reads
submitBid          3     validates a ciphertext, one homomorphic addition
transfer           5     validates, one modular inverse and two homomorphic operations
reveal             10    a full re-encryption (an n-bit exponentiation mod n²) to verify
=================  ====  ===================================================================
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from cms.domain.engine.bigint import interruptible_pow
from cms.domain.engine.erc20 import ZERO_ADDRESS, parse_address
from cms.domain.engine.errors import ContractNotFound, ContractReverted, EngineValidationError
from cms.domain.engine.gas import GasMeter, gcd_gas, inverse_gas, modexp_gas, mulmod_gas, words
from cms.domain.engine.paillier import Ciphertext, PublicKey
from cms.domain.engine.state import ContractState, StagedState

PRIVACY_MULTIPLIERS: dict[str, int] = {
    "init": 2, "deposit": 2, "balanceOf": 2, "tally": 2, "bidCount": 2, "revealedTotal": 2,
    "submitBid": 3, "transfer": 5, "reveal": 10,
}

_PUBLIC_KEY, _AUTHORITY = "publicKey", "authority"
ARITHMETIC = "privacy_arithmetic"  # the meter's label for priced big-integer work
_SIGNED_DECIMAL = re.compile(r"-?[0-9]{1,1300}")


def _revert(error: str, *arguments: tuple[str, Any]) -> ContractReverted:
    return ContractReverted(error, [t for t, _ in arguments], [v for _, v in arguments])


def parse_signed(value: object, name: str) -> int:
    """A signed integer: a JSON integer or a decimal string (Paillier values exceed 2**53)."""
    if isinstance(value, str) and _SIGNED_DECIMAL.fullmatch(value):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise EngineValidationError(f"{name} must be an integer or a decimal string", name)
    return value


class MeteredSlots:
    """Storage access priced at the base schedule times the running function's multiplier."""

    def __init__(self, state: ContractState, gas: GasMeter, multiplier: int) -> None:
        self.state, self.gas, self.multiplier = state, gas, multiplier

    def read(self, key: str) -> bytes | None:
        value = self.state.get(key)
        self.gas.charge(self.gas.schedule.storage_read * words(value) * self.multiplier,
                        "privacy_storage_read")
        return value

    def write(self, key: str, value: bytes) -> None:
        cost = self.gas.write_cost(self.state.get(key), value) * self.multiplier
        self.gas.charge(cost, "privacy_storage_write")
        self.state.set(key, value)


class _PrivacyContract:
    """What both contracts share: the key, the authority, dispatch and the staged frame."""

    FUNCTIONS: ClassVar[dict[str, tuple[str, ...]]] = {}
    NAME: ClassVar[str] = "privacy contract"

    def __init__(self, state: ContractState, gas: GasMeter) -> None:
        self._state, self._gas = state, gas
        self._slots: MeteredSlots | None = None

    def init(self, public_key: object, authority: object) -> None:
        """Store the Paillier public key and the one address allowed to act for its holder."""
        key = PublicKey.from_json(public_key)
        address = parse_address(authority, "authority")
        if address == ZERO_ADDRESS:
            raise EngineValidationError("authority cannot be the zero address", "authority")
        if self._state.get(_PUBLIC_KEY) is not None:
            raise EngineValidationError(f"this state already holds a {self.NAME}", "state")
        self._run("init", lambda: self._store_setup(key, address))

    def call(self, function_name: str, args: Mapping[str, Any] | None, caller: str) -> Any:
        """Run one function by name with named arguments, as the engine calls ``Erc20``."""
        names = self.FUNCTIONS.get(function_name) if isinstance(function_name, str) else None
        if names is None:
            raise EngineValidationError(f"the {self.NAME} has no function {function_name!r}",
                                        "function")
        args = {} if args is None else args
        if not isinstance(args, Mapping) or set(args) != set(names):
            raise EngineValidationError(f"{function_name} takes exactly {list(names)}", "args")
        method = getattr(self, re.sub(r"([A-Z])", r"_\1", function_name).lower())
        return method(caller, *(args[name] for name in names))

    def public_key(self) -> PublicKey:
        """The stored key (read without gas: clients need it to encrypt their inputs)."""
        stored = self._state.get(_PUBLIC_KEY)
        if stored is None:
            raise ContractNotFound(f"no {self.NAME} is initialised in this state")
        return PublicKey(int.from_bytes(stored, "big"))

    # -- execution frame --

    def _run(self, function_name: str, body: Callable[[], Any]) -> Any:
        """Run ``body`` on a staged overlay at the function's multiplier; commit on success."""
        multiplier = PRIVACY_MULTIPLIERS[function_name]
        stage = StagedState(self._state)
        self._slots = MeteredSlots(stage, self._gas, multiplier)
        try:
            self._gas.charge(self._gas.schedule.call_base * multiplier, "privacy_call")
            result = body()
            stage.commit()
        finally:
            self._slots = None
        return result

    @property
    def _s(self) -> MeteredSlots:
        assert self._slots is not None, "storage is only reachable inside a call"
        return self._slots

    def _store_setup(self, key: PublicKey, authority: str) -> None:
        self._s.write(_PUBLIC_KEY, key.n.to_bytes((key.n.bit_length() + 7) // 8, "big"))
        self._s.write(_AUTHORITY, bytes.fromhex(authority[2:]))

    def _key(self) -> PublicKey:
        stored = self._s.read(_PUBLIC_KEY)
        assert stored is not None  # checked by _prepare before the frame opens
        return PublicKey(int.from_bytes(stored, "big"))

    def _check_authority(self, caller: str) -> None:
        stored = self._s.read(_AUTHORITY) or b""
        if stored != bytes.fromhex(caller[2:]):
            raise _revert("PrivacyUnauthorizedAccount", ("address", caller))

    def _read_ciphertext(self, key: PublicKey, slot: str) -> Ciphertext | None:
        stored = self._s.read(slot)
        if stored is None:
            return None
        self._compute(gcd_gas(key.n_square.bit_length()))  # from_bytes checks it is a unit
        return key.from_bytes(stored)

    def _add(self, a: Ciphertext, b: Ciphertext) -> Ciphertext:
        self._compute(mulmod_gas(a.public_key.n_square.bit_length()))
        return a + b

    def _subtract(self, a: Ciphertext, b: Ciphertext) -> Ciphertext:
        bits = a.public_key.n_square.bit_length()
        self._compute(inverse_gas(bits) + mulmod_gas(bits))
        return a - b

    def _compute(self, gas: int) -> None:
        """Pay for big-integer work before doing it (refused if out of gas or of time)."""
        self._gas.charge_compute(gas, ARITHMETIC)

    def _power(self, base: int, exponent: int, modulus: int) -> int:
        return interruptible_pow(base, exponent, modulus, self._gas.check_deadline)

    def _prepare(self, caller: object) -> str:
        """Validate the caller, and that the contract exists, before any gas is spent."""
        address = parse_address(caller, "caller")
        self.public_key()
        return address

    def _submitted(self, ciphertext: object) -> Ciphertext:
        """A submitted ciphertext, validated against the stored key (hex, in range, a unit).
        Checked before gas, like every argument: a gcd with n, under 0.1 ms at the largest
        key (a stored ciphertext's check, inside the call, is charged)."""
        return self.public_key().parse_ciphertext(ciphertext)


# --- confidential balances ----------------------------------------------------------------

def _balance_slot(account: str) -> str:
    return "balance:" + account[2:].lower()


class ConfidentialLedger(_PrivacyContract):
    """Encrypted balances: the authority (operator) deposits, holders transfer, nobody reads.

    No range proof (see the module docstring): the ledger's arithmetic is exact, but it cannot
    stop a holder from moving a negative or unaffordable encrypted amount.
    """

    FUNCTIONS: ClassVar[dict[str, tuple[str, ...]]] = {
        "deposit": ("to", "amount"), "transfer": ("to", "amount"), "balanceOf": ("account",)}
    NAME = "confidential ledger"

    def deposit(self, caller: object, to: object, amount: object) -> None:
        """Credit an encrypted ``amount`` to ``to``; only the operator may create value."""
        sender, ciphertext = self._prepare(caller), self._submitted(amount)
        recipient = self._recipient(to)
        self._run("deposit", lambda: self._deposit(sender, recipient, ciphertext))

    def transfer(self, caller: object, to: object, amount: object) -> None:
        """Move an encrypted ``amount`` from the caller to ``to`` (ciphertext arithmetic only)."""
        sender, ciphertext = self._prepare(caller), self._submitted(amount)
        recipient = self._recipient(to)
        self._run("transfer", lambda: self._transfer(sender, recipient, ciphertext))

    def balance_of(self, caller: object, account: object) -> str | None:
        """The encrypted balance as hex (None if never credited): only the key holder reads it."""
        self._prepare(caller)
        holder = parse_address(account, "account")
        return self._run("balanceOf", lambda: self._balance_hex(holder))

    def _recipient(self, to: object) -> str:
        recipient = parse_address(to, "to")
        if recipient == ZERO_ADDRESS:
            raise EngineValidationError("to cannot be the zero address", "to")
        return recipient

    def _balance_hex(self, account: str) -> str | None:
        balance = self._read_ciphertext(self._key(), _balance_slot(account))
        return None if balance is None else balance.to_json()

    def _credit(self, key: PublicKey, account: str, amount: Ciphertext) -> None:
        slot = _balance_slot(account)
        current = self._read_ciphertext(key, slot)
        self._s.write(slot, (amount if current is None else self._add(current, amount)).to_bytes())

    def _deposit(self, caller: str, to: str, amount: Ciphertext) -> None:
        self._check_authority(caller)
        self._credit(self._key(), to, amount)

    def _transfer(self, sender: str, to: str, amount: Ciphertext) -> None:
        key = self._key()
        slot = _balance_slot(sender)
        balance = self._read_ciphertext(key, slot)
        if balance is None:
            raise _revert("ConfidentialNoBalance", ("address", sender))
        self._s.write(slot, self._subtract(balance, amount).to_bytes())
        self._credit(key, to, amount)  # read after the debit: a self-transfer nets to zero


# --- sealed-bid sum -----------------------------------------------------------------------

_TOTAL, _COUNT, _REVEALED = "total", "count", "revealed"


def _bid_slot(bidder: str) -> str:
    return "bid:" + bidder[2:].lower()


class SealedBidTally(_PrivacyContract):
    """Bidders add encrypted bids to one encrypted total; the authority reveals it, verified.

    Only a marker per bidder is stored (one bid each), never the bid: the contract and anyone
    reading its state see the encrypted sum alone.
    """

    FUNCTIONS: ClassVar[dict[str, tuple[str, ...]]] = {
        "submitBid": ("bid",), "tally": (), "bidCount": (), "revealedTotal": (),
        "reveal": ("total", "randomness")}
    NAME = "sealed-bid tally"

    def submit_bid(self, caller: object, bid: object) -> None:
        """Add the caller's encrypted bid to the total; one bid per address, before reveal."""
        bidder, ciphertext = self._prepare(caller), self._submitted(bid)
        self._run("submitBid", lambda: self._submit(bidder, ciphertext))

    def tally(self, caller: object) -> str | None:
        """The encrypted total as hex (None before the first bid)."""
        self._prepare(caller)
        return self._run("tally", self._total_hex)

    def bid_count(self, caller: object) -> int:
        self._prepare(caller)
        return self._run("bidCount", lambda: int.from_bytes(self._s.read(_COUNT) or b"", "big"))

    def revealed_total(self, caller: object) -> int | None:
        """The verified total once revealed, else None."""
        self._prepare(caller)
        return self._run("revealedTotal", self._revealed)

    def reveal(self, caller: object, total: object, randomness: object) -> int:
        """Close the tally with its plaintext; the opening (total, r) must re-encrypt to it."""
        revealer = self._prepare(caller)
        value = parse_signed(total, "total")
        r = int(randomness, 16) if isinstance(randomness, str) and re.fullmatch(
            r"[0-9a-f]{1,1024}", randomness) else None
        if r is None:
            raise EngineValidationError("randomness must be a lower-case hex string",
                                        "randomness")
        return self._run("reveal", lambda: self._reveal(revealer, value, r))

    def _revealed(self) -> int | None:
        stored = self._s.read(_REVEALED)
        return None if stored is None else int(stored.decode())

    def _total_hex(self) -> str | None:
        total = self._read_ciphertext(self._key(), _TOTAL)
        return None if total is None else total.to_json()

    def _check_open(self) -> None:
        if self._s.read(_REVEALED) is not None:
            raise _revert("TallyClosed")

    def _submit(self, bidder: str, bid: Ciphertext) -> None:
        self._check_open()
        if self._s.read(_bid_slot(bidder)) is not None:
            raise _revert("BidAlreadySubmitted", ("address", bidder))
        key = self._key()
        total = self._read_ciphertext(key, _TOTAL)
        self._s.write(_TOTAL, (bid if total is None else self._add(total, bid)).to_bytes())
        self._s.write(_bid_slot(bidder), b"\x01")
        count = int.from_bytes(self._s.read(_COUNT) or b"", "big") + 1
        self._s.write(_COUNT, count.to_bytes((count.bit_length() + 7) // 8, "big"))

    def _reveal(self, caller: str, value: int, r: int) -> int:
        self._check_authority(caller)
        self._check_open()
        key = self._key()
        total = self._read_ciphertext(key, _TOTAL)
        if total is None:
            raise _revert("TallyEmpty")
        if abs(value) > key.max_int:
            raise _revert("InvalidOpening")
        # The re-encryption: a unit check of r, rⁿ mod n² (in pieces the deadline can stop)
        # and one multiplication.
        self._compute(gcd_gas(key.n.bit_length()) + modexp_gas(key.n, key.n_square.bit_length())
                      + mulmod_gas(key.n_square.bit_length()))
        if not key.verify_opening(total, value, r, power=self._power):
            raise _revert("InvalidOpening")
        self._s.write(_REVEALED, str(value).encode())
        return value
