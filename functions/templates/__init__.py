"""Templates function."""
