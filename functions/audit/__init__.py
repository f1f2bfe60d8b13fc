"""The audit function."""
