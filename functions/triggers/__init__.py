"""The triggers function."""
