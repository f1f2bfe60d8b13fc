"""The identities function."""
