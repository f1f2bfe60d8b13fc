"""The events function."""
