"""Modular exponentiation that a deadline can stop.

CPython's ``pow(b, e, m)`` is one C call: no signal or check interrupts it, and with a
4096-bit exponent mod 8192 bits it runs 0.5 s on an idle core, 2 s on a busy one. This is
the same left-to-right fixed-window method in pieces of C work: each step raises the
accumulator to the 32nd power (five squarings, one ``pow`` call) and multiplies in a table
entry, and ``check`` runs between every 16 steps (80 exponent bits, ~10 ms at the largest
size). bench/engine_limits.py measures it within a few per cent of ``pow``.
"""

from __future__ import annotations

from collections.abc import Callable

WINDOW_BITS = 5
STEPS_PER_CHECK = 16


def interruptible_pow(base: int, exponent: int, modulus: int,
                      check: Callable[[], None]) -> int:
    """``pow(base, exponent, modulus)`` for a non-negative exponent and a modulus > 1,
    calling ``check()`` between pieces (it stops the work by raising)."""
    if exponent < 0 or modulus <= 1:
        raise ValueError("a non-negative exponent and a modulus above 1")
    base %= modulus
    table = [1, base]
    for _ in range((1 << WINDOW_BITS) - 2):
        table.append(table[-1] * base % modulus)
    mask = (1 << WINDOW_BITS) - 1
    top = -(-exponent.bit_length() // WINDOW_BITS) * WINDOW_BITS
    result = 1
    for step, shift in enumerate(range(top - WINDOW_BITS, -1, -WINDOW_BITS), 1):
        result = pow(result, 1 << WINDOW_BITS, modulus)
        digit = exponent >> shift & mask
        if digit:
            result = result * table[digit] % modulus
        if step % STEPS_PER_CHECK == 0:
            check()
    return result % modulus
