"""One module per group of commands (see cms_client.cli.app)."""
