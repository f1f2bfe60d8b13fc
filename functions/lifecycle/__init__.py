"""The lifecycle function."""
