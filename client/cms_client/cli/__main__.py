from cms_client.cli import run

run()
