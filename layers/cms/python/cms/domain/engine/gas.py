"""Gas: a documented, EVM-like schedule and a meter that refuses to cross its limit.

The numbers are Ethereum's own (Yellow Paper appendix G with EIP-2200, EIP-2929 and EIP-3529),
so a figure from this engine reads like a figure from a chain:

======================  ======  ===============================================================
cost                    gas     Ethereum source
======================  ======  ===============================================================
call_base               21000   G_transaction: the intrinsic cost of every transaction
storage_read            2100    COLD_SLOAD_COST (EIP-2929), per 32-byte word read
storage_write_new       20000   G_sset / SSTORE_SET_GAS (EIP-2200): zero to non-zero, per word
storage_write_update    2900    SSTORE_RESET_GAS 5000 - COLD_SLOAD_COST (EIP-2929), per word
storage_write_noop      100     WARM_STORAGE_READ_COST: writing the value already stored
event                   375     G_log: per LOG
event_topic             375     G_logtopic: per indexed topic (topic 0 is the signature)
event_data_byte         8       G_logdata: per byte of non-indexed data
======================  ======  ===============================================================

Simplifications, all in the direction of charging a little more than the EVM: every slot is
priced cold (no warm-access discount within a call), clearing a slot costs an update and earns
no refund (EIP-3529 already capped refunds at a fifth), calldata is free. A transfer to an
existing holder costs ~32.7k gas here against ~35k-52k for an OpenZeppelin ERC20 on a chain.

Computation is priced where it is more than a handful of comparisons: WebAssembly per
instruction (``wasm/gas.py``), big-integer arithmetic (the Paillier contracts) as EIP-2565
prices the EVM's MODEXP precompile (``modexp_gas`` and the helpers below it), circuits per
gate and code per byte. A price is charged *before* the work it pays for, so a call that cannot
afford a step never starts it.

Time: a meter may carry a deadline (``time.monotonic`` seconds). Every charge checks it, so a
call is stopped between metered steps once its wall-clock limit has passed
(``ExecutionTimeout``); ``charge_compute`` refuses a step whose predicted duration
(``PREDICTED_NS_PER_GAS``) would end past the deadline before starting it, and work too long
for one C call is done in pieces that call ``check_deadline`` (``bigint.interruptible_pow``):
CPython cannot interrupt one big-integer operation.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from cms.domain.engine.errors import EngineValidationError, ExecutionTimeout, GasExhausted

WORD = 32
MAX_GAS_LIMIT = 30_000_000  # an Ethereum block's gas limit: anything above is absurd for one call
# How long one gas of priced computation may take, at most, for the deadline's prediction.
# CPython runs the EIP-2565 prices at 20-25 ns a gas on an idle core and ~55 on a host with
# twice as many busy processes as cores (bench/engine_limits.py); a 1 GB Lambda function has
# 0.58 of a core (~40). The largest single step, a 4096-bit key's re-encryption (22.4M gas),
# is predicted at 1.8 s: within a call's 2 s when it starts at once.
PREDICTED_NS_PER_GAS = 80


@dataclass(frozen=True)
class GasSchedule:
    """The price of each metered step (see the module docstring for where each comes from)."""

    call_base: int = 21_000
    storage_read: int = 2_100
    storage_write_new: int = 20_000
    storage_write_update: int = 2_900
    storage_write_noop: int = 100
    event: int = 375
    event_topic: int = 375
    event_data_byte: int = 8


DEFAULT_SCHEDULE = GasSchedule()


def words(value: bytes | None) -> int:
    """Storage words a value occupies (an absent value still costs one slot access)."""
    # A non-empty value takes at least one word: no max() needed (this runs at every access).
    return (len(value) + WORD - 1) // WORD if value else 1


def validate_gas_limit(limit: object) -> int:
    """A gas limit must be a positive integer no larger than ``MAX_GAS_LIMIT``."""
    if not isinstance(limit, int) or isinstance(limit, bool):
        raise EngineValidationError("gas_limit must be an integer", "gas_limit")
    if not 0 < limit <= MAX_GAS_LIMIT:
        raise EngineValidationError(
            f"gas_limit must be between 1 and {MAX_GAS_LIMIT}", "gas_limit")
    return limit


class GasMeter:
    """Counts gas against a limit; a charge that would cross it raises ``GasExhausted``.

    A refused charge is not recorded (``used`` stays at the last affordable step), and the
    caller drops the execution's staged state, so running out of gas changes nothing. An EVM
    would report the whole limit as spent; the engine decides what to bill.
    """

    def __init__(self, limit: int, schedule: GasSchedule = DEFAULT_SCHEDULE, *,
                 deadline: float | None = None, time_limit_ms: int | None = None,
                 timer: Callable[[], float] = time.monotonic) -> None:
        self.limit = validate_gas_limit(limit)
        self.schedule = schedule
        self.used = 0
        self.breakdown: dict[str, int] = {}
        # ``deadline`` on ``timer``'s scale; ``time_limit_ms`` is what a timeout reports.
        self.deadline, self.time_limit_ms, self.timer = deadline, time_limit_ms, timer

    @property
    def remaining(self) -> int:
        return self.limit - self.used

    def charge(self, amount: int, kind: str = "other") -> None:
        """Spend ``amount`` gas on ``kind`` (a label for the cost breakdown), or raise."""
        if amount < 0:
            raise ValueError("a gas charge cannot be negative")
        if self.used + amount > self.limit:
            raise GasExhausted(self.limit, self.used, amount)
        self.used += amount
        self.breakdown[kind] = self.breakdown.get(kind, 0) + amount
        deadline = self.deadline  # check_deadline, inlined: this runs at every step
        if deadline is not None and self.timer() > deadline:
            raise self.timeout()

    def check_deadline(self) -> None:
        """``ExecutionTimeout`` once the deadline has passed (long work calls it as it goes)."""
        if self.deadline is not None and self.timer() > self.deadline:
            raise self.timeout()

    def charge_compute(self, amount: int, kind: str) -> None:
        """Charge for computation about to run: refused if the meter cannot pay for it, or if
        it would predictably end past the deadline (a big-integer operation cannot be stopped
        once started, so it is better not started)."""
        if self.deadline is not None and self.used + amount <= self.limit and (
                self.timer() + amount * PREDICTED_NS_PER_GAS / 1e9 > self.deadline):
            raise self.timeout(f"the next step ({amount} gas of {kind}) would run past the "
                               "time limit")
        self.charge(amount, kind)

    def time_left_ms(self) -> int | None:
        """Whole milliseconds to the deadline (None without one); ``ExecutionTimeout`` if it
        has passed."""
        if self.deadline is None:
            return None
        left = math.floor((self.deadline - self.timer()) * 1000)
        if left < 1:
            raise self.timeout()
        return left

    def timeout(self, detail: str | None = None) -> ExecutionTimeout:
        limit = self.time_limit_ms
        return ExecutionTimeout(
            detail or f"the execution ran past its time limit of {limit} ms",
            time_limit_ms=limit)

    def charge_call(self) -> None:
        self.charge(self.schedule.call_base, "call")

    def charge_read(self, value: bytes | None) -> None:
        self.charge(self.schedule.storage_read * words(value), "storage_read")

    def charge_write(self, old: bytes | None, new: bytes | None) -> None:
        """Price a write by what it changes: a new slot, an update, or nothing."""
        self.charge(self.write_cost(old, new), "storage_write")

    def write_cost(self, old: bytes | None, new: bytes | None) -> int:
        if old == new:
            return self.schedule.storage_write_noop
        if new is None:
            return self.schedule.storage_write_update * words(old)
        existing, wanted = (words(old) if old else 0), words(new)
        added = wanted - existing if wanted > existing else 0
        updated = wanted - added
        return (added * self.schedule.storage_write_new
                + updated * self.schedule.storage_write_update)

    def charge_event(self, topics: int, data_bytes: int) -> None:
        schedule = self.schedule
        self.charge(schedule.event + topics * schedule.event_topic
                    + data_bytes * schedule.event_data_byte, "event")


# --- big-integer arithmetic ---------------------------------------------------------------
# EIP-2565's MODEXP price: max(200, words(modulus)^2 * iterations / 3), where words are
# 8-byte limbs and iterations are the exponent's bits (8 per byte past the first 32). CPython's
# pow() tracks it closely from 1024 to 8192-bit moduli (bench/engine_limits.py measures the
# ratio). The other operations are priced in the same unit, one modular multiplication being
# a MODEXP of exponent 2, by what they cost CPython in multiplications (measured there too).

MODEXP_MIN_GAS = 200
INVERSE_MULTIPLICATIONS = 32  # pow(x, -1, m): CPython takes the time of 28-30 multiplications
GCD_MULTIPLICATIONS = 1  # math.gcd: under half a multiplication at these sizes


def multiplication_complexity(modulus_bits: int) -> int:
    """EIP-2565's mult_complexity: the square of the modulus's 8-byte words."""
    return (-(-modulus_bits // 64)) ** 2


def modexp_iterations(exponent: int) -> int:
    """EIP-2565's iteration_count: the exponent's bit length less one, counting 8 per byte
    past its first (most significant) 32 bytes; at least 1."""
    length = (exponent.bit_length() + 7) // 8
    if length <= 32:
        return max(exponent.bit_length() - 1, 1)
    head = exponent >> (8 * (length - 32))
    return max(8 * (length - 32) + head.bit_length() - 1, 1)


def modexp_gas(exponent: int, modulus_bits: int) -> int:
    """Gas for ``pow(base, exponent, modulus)`` with a base below the modulus (EIP-2565)."""
    return max(MODEXP_MIN_GAS,
               multiplication_complexity(modulus_bits) * modexp_iterations(exponent) // 3)


def mulmod_gas(modulus_bits: int) -> int:
    """Gas for one modular multiplication: a MODEXP of exponent 2."""
    return modexp_gas(2, modulus_bits)


def inverse_gas(modulus_bits: int) -> int:
    """Gas for a modular inverse."""
    return INVERSE_MULTIPLICATIONS * mulmod_gas(modulus_bits)


def gcd_gas(bits: int) -> int:
    """Gas for a greatest common divisor of numbers of at most ``bits`` bits."""
    return GCD_MULTIPLICATIONS * mulmod_gas(bits)
