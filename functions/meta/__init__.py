"""The meta function."""
