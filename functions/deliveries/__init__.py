"""The deliveries function."""
