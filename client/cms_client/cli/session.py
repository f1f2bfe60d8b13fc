"""What every command needs, built once per invocation from the global options: where the
API is, who the caller is, and how to print."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cms_client.cli.exit_codes import CliError, ExitCode
from cms_client.cli.output import Columns, Printer
from cms_client.client import CmsClient

DEFAULT_URL = "http://localhost:8080"


@dataclass
class CliSession:
    printer: Printer
    url_option: str | None = None
    token_option: str | None = None
    profile_name: str = "default"
    _clients: list[CmsClient] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return self.url_option or DEFAULT_URL

    def client(self, *, signed_in: bool = True) -> CmsClient:
        """A client for this invocation; signed in unless ``signed_in=False`` (public
        routes), from ``--token``/``CMS_TOKEN`` or the profile's stored login."""
        client = CmsClient(self.api_url, token=self.token_option)
        self._clients.append(client)
        if signed_in and client.token is None:
            client.token = self._stored_token(client)
        return client

    def _stored_token(self, client: CmsClient) -> str:
        raise CliError("not signed in: run `cms login` (or set CMS_TOKEN)", ExitCode.AUTH)

    def emit(self, data: Any, columns: Columns | None = None) -> None:
        self.printer.emit(data, columns)

    def emit_items(self, items: Any, columns: Columns | None = None, *,
                   limit: int | None = None, stream: bool = False) -> int:
        return self.printer.emit_items(items, columns, limit=limit, stream=stream)

    def close(self) -> None:
        for client in self._clients:
            client.close()
