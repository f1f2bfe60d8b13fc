"""Contract state: a key-value store per contract, and an overlay that makes a call atomic.

Every storage backend (in memory, DynamoDB) implements ``ContractState``. An execution never
writes to a backend directly: it runs against a ``StagedState`` over it, and only a complete,
successful execution is committed. A revert, ``GasExhausted`` or a timeout simply drops the
overlay, so a failed call changes nothing, as in the EVM.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable


@runtime_checkable
class ContractState(Protocol):
    """One contract's storage. Keys are short ASCII strings, values raw bytes."""

    def get(self, key: str) -> bytes | None:
        """The stored value, or None for a key never written (or removed)."""
        ...

    def set(self, key: str, value: bytes) -> None:
        ...

    def remove(self, key: str) -> None:
        """Forget the key; removing an absent key is not an error."""
        ...


class MemoryState:
    """A dict-backed ``ContractState`` for tests, development and the benchmark."""

    def __init__(self, initial: dict[str, bytes] | None = None) -> None:
        self._values: dict[str, bytes] = dict(initial or {})

    def get(self, key: str) -> bytes | None:
        return self._values.get(key)

    def set(self, key: str, value: bytes) -> None:
        self._values[key] = bytes(value)

    def remove(self, key: str) -> None:
        self._values.pop(key, None)

    def snapshot(self) -> dict[str, bytes]:
        """A copy of every key and value (tests compare states with it)."""
        return dict(self._values)


_UNWRITTEN = object()  # a key the overlay holds nothing for (None is a staged removal)


class StagedState:
    """An overlay: reads fall through to ``base``, writes are buffered until ``commit()``.

    A removal is buffered as a tombstone (None) so that a staged remove hides the base value.
    Dropping the object without committing discards every write. Overlays nest: a
    ``StagedState`` is itself a ``ContractState``.
    """

    __slots__ = ("_base", "_base_get", "_writes")

    def __init__(self, base: ContractState) -> None:
        self._base = base
        self._base_get = base.get  # bound once: overlays nest, and every read walks them
        self._writes: dict[str, bytes | None] = {}

    def get(self, key: str) -> bytes | None:
        value = self._writes.get(key, _UNWRITTEN)
        return self._base_get(key) if value is _UNWRITTEN else value  # type: ignore[return-value]

    def set(self, key: str, value: bytes) -> None:
        self._writes[key] = bytes(value)

    def remove(self, key: str) -> None:
        self._writes[key] = None

    @property
    def dirty(self) -> bool:
        """Whether any write is buffered (``pending`` copies them: this does not)."""
        return bool(self._writes)

    @property
    def pending(self) -> dict[str, bytes | None]:
        """The buffered writes (None marks a removal), e.g. for a write-set or a transaction."""
        return dict(self._writes)

    def commit(self) -> None:
        """Apply the buffered writes to the base, then start empty again."""
        for key, value in self._writes.items():
            if value is None:
                self._base.remove(key)
            else:
                self._base.set(key, value)
        self._writes.clear()

    def discard(self) -> None:
        """Drop the buffered writes explicitly."""
        self._writes.clear()


class ReadOnlyState:
    """A ``ContractState`` over a mapping that executions only read: they write through a
    ``StagedState`` on top, and the storage applies what they commit."""

    def __init__(self, values: Mapping[str, bytes]) -> None:
        self._values = values
        if type(self) is ReadOnlyState:  # a subclass may read differently (lazily, say)
            # The mapping's own lookup, bound: overlays call it on every read they miss,
            # and a Python method around it was one frame more per read.
            self.get = values.get  # type: ignore[method-assign]

    def get(self, key: str) -> bytes | None:
        return self._values.get(key)

    def set(self, key: str, value: bytes) -> None:
        raise TypeError("this state is read-only: executions stage their writes")

    def remove(self, key: str) -> None:
        raise TypeError("this state is read-only: executions stage their writes")
