"""The webhooks function."""
