"""The contracts function."""
