"""The anchor function."""
