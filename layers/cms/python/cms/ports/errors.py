"""What a store may answer besides its values."""

from __future__ import annotations


class WriteConflict(Exception):
    """A conditional write lost a race (optimistic lock or uniqueness). Callers may retry."""
