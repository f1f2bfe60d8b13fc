"""What every command needs, built once per invocation from the global options: where the
API is, who the caller is, and how to print."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from cms_client.cli.config import CachedToken, Profile, Profiles, TokenCache, token_expiry
from cms_client.cli.exit_codes import CliError, ExitCode
from cms_client.cli.keystore import KeyStore, passphrase_available, read_passphrase
from cms_client.cli.output import Columns, Printer
from cms_client.client import CmsClient
from cms_client.signers import Signer

DEFAULT_URL = "http://localhost:8080"


@dataclass
class CliSession:
    printer: Printer
    url_option: str | None = None
    token_option: str | None = None
    profile_name: str | None = None  # None: the configuration's current profile
    _clients: list[CmsClient] = field(default_factory=list)
    # The token each signed-in client started with: a client that renewed it (a long
    # command) leaves its new token in the cache when the session closes.
    _started_with: dict[int, str] = field(default_factory=dict)

    @cached_property
    def profile(self) -> Profile:
        """``--profile``/``CMS_PROFILE``, else the current profile (``cms profile use``)."""
        return Profiles.load().resolve(self.profile_name)

    @property
    def api_url(self) -> str:
        """``--url``/``CMS_URL``, else the profile's URL, else the local stack's."""
        return self.url_option or self.profile.url or DEFAULT_URL

    @property
    def key_name(self) -> str | None:
        """``CMS_KEY`` (a key name), else the profile's key."""
        return os.environ.get("CMS_KEY") or self.profile.key

    def signer(self) -> Signer:
        """The signer for the chosen key, opened with ``CMS_KEY_PASSPHRASE`` or a prompt."""
        name = self.key_name
        if not name:
            raise CliError(f"profile '{self.profile.name}' has no key: create one with "
                           "`cms key create NAME`, choose one with `cms profile set --key NAME`, "
                           "or set CMS_KEY")
        return KeyStore().signer(name, read_passphrase(f"key '{name}'"))

    def login(self, client: CmsClient, signer: Signer) -> CachedToken:
        """Sign ``client`` in with ``signer`` and remember the token for this profile."""
        token = client.sign_in(signer)
        # The SDK's client knows when the token expires (a datetime); else its exp claim.
        known = getattr(client, "expires_at", None)
        expires_at = known.timestamp() if isinstance(known, datetime) else token_expiry(token)
        cached = CachedToken(token=token, did=signer.did, expires_at=expires_at,
                             url=self.api_url)
        TokenCache().put(self.profile.name, cached)
        return cached

    def client(self, *, signed_in: bool = True) -> CmsClient:
        """A client for this invocation; signed in unless ``signed_in=False`` (public
        routes), from ``--token``/``CMS_TOKEN`` or the profile's stored login."""
        client = CmsClient(self.api_url, token=self.token_option)
        self._clients.append(client)
        if signed_in and client.token is None:
            client.token = self._stored_token(client)
        return client

    def _stored_token(self, client: CmsClient) -> str:
        """The profile's cached token for this URL while it has more than 60 s left; else a
        new sign-in when the key opens without anyone typing at a prompt that is not there
        (``CMS_KEY_PASSPHRASE``, or a terminal); else exit 4. With such a key, a cached
        token is renewed before it expires, as a new sign-in's is (the key is opened only
        then), so that a long command (``--follow``, ``watch``, a bulk run) outlives it."""
        cached = TokenCache().usable(self.profile.name, self.api_url)
        key_did = self._key_did()
        if cached is not None and key_did is not None and cached.did != key_did:
            cached = None  # the login was another key's (CMS_KEY, or the profile's key changed)
        if cached is None and self.key_name and passphrase_available():
            cached = self.login(client, self.signer())
        elif (cached is not None and self.key_name and key_did is not None
              and passphrase_available()):
            client.resume(cached.token, cached.expires_at, KeyStore().lazy_signer(self.key_name))
        if cached is None:
            raise CliError("not signed in (or the login expired): run `cms login` "
                           "(or set CMS_TOKEN)", ExitCode.AUTH)
        client.did = cached.did
        self._started_with[id(client)] = cached.token
        return cached.token

    def _key_did(self) -> str | None:
        """The DID the chosen key signs in as, read without its passphrase."""
        try:
            return KeyStore().entry(self.key_name).signing_did if self.key_name else None
        except CliError:
            return None  # a key no longer in the store: its login is still good

    def emit(self, data: Any, columns: Columns | None = None) -> None:
        self.printer.emit(data, columns)

    def emit_items(self, items: Any, columns: Columns | None = None, *,
                   limit: int | None = None, stream: bool = False) -> int:
        return self.printer.emit_items(items, columns, limit=limit, stream=stream)

    def close(self) -> None:
        for client in self._clients:
            self._keep_renewed_token(client)
            client.close()

    def _keep_renewed_token(self, client: CmsClient) -> None:
        """Cache the token ``client`` renewed, so that the next command starts with it."""
        started = self._started_with.get(id(client))
        expires_at = client.expires_at
        if (started is None or client.token in (None, started) or client.did is None
                or expires_at is None):
            return  # never signed in here, not renewed, or logged out
        TokenCache().put(self.profile.name, CachedToken(
            token=client.token, did=client.did, expires_at=expires_at.timestamp(),
            url=self.api_url))
