"""The asynchronous client over httpx.AsyncClient: CmsClient's main calls with ``await``, and
every operation typed and awaited (``AsyncCmsClient.api``). The same checks before signing
(cms_client.checks), the same retries and token renewal (cms_client.transport, .tokens)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from cms_client.checks import check_challenge, expected_signing_payload
from cms_client.client import TOKEN_REFUSALS, facade_call
from cms_client.errors import AuthenticationFailed
from cms_client.generated.operations import AsyncOperations
from cms_client.signers import Signer
from cms_client.tokens import SignedIn
from cms_client.transport import ApiCall, AsyncTransport, RetryPolicy, aiterate_pages


class AsyncCmsClient:
    """``async with AsyncCmsClient(url) as cms: await cms.sign_in(signer)``."""

    def __init__(self, base_url: str, *, token: str | None = None, timeout: float = 30.0,
                 http: httpx.AsyncClient | None = None, retry: RetryPolicy | None = None,
                 sleep: Callable[[float], Awaitable[None]] | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.did: str | None = None
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._clock = clock or time.time
        self._signed_in: SignedIn | None = None
        # One renewal at a time: calls gathered together that find the token due must not
        # each sign in (CmsClient does the same with a thread lock).
        self._renewal = asyncio.Lock()
        self._transport = _SigningInAgain(self.base_url, self._http,
                                          token=self._current_token, policy=retry,
                                          sleep=sleep, clock=self._clock,
                                          sign_in_again=self._sign_in_again,
                                          held_token=lambda: self.token)
        # Every operation of the API, typed and awaited.
        self.api = AsyncOperations(self._transport)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncCmsClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------ auth

    async def register(self, signer: Signer, **extra: Any) -> dict[str, Any]:
        return await self._call("POST", "/api/v1/auth/register",
                                {"did": signer.did, "public_key": signer.public_key, **extra},
                                authenticated=False)

    async def sign_in(self, signer: Signer) -> str:
        """Sign in; the challenge is signed only if it is bound to this client's base URL.
        The client signs in again with ``signer`` when the token is about to expire."""
        issued = await self._call("POST", "/api/v1/auth/challenge", {"did": signer.did},
                                  authenticated=False)
        check_challenge(self.base_url, issued)
        verified = await self._call("POST", "/api/v1/auth/verify", {
            "did": signer.did, "challenge": issued["challenge"],
            "signature": signer.sign_message(issued["challenge"])}, authenticated=False)
        self.token, self.did = verified["token"], signer.did
        self._signed_in = SignedIn.from_answer(signer, verified)
        return self.token

    @property
    def expires_at(self) -> datetime | None:
        """When the token from this client's last sign-in expires (None: no sign-in here)."""
        if self._signed_in is None:
            return None
        return datetime.fromtimestamp(self._signed_in.expires_at, UTC)

    def resume(self, token: str, expires_at: float, signer: Signer) -> None:
        """Use a token obtained earlier, renewed with ``signer`` before ``expires_at``
        (CmsClient.resume)."""
        self.token, self.did = token, signer.did
        self._signed_in = SignedIn(signer, token, expires_at)

    async def _current_token(self) -> str | None:
        if self._due_for_renewal() is not None:
            async with self._renewal:
                due = self._due_for_renewal()  # None if another task renewed meanwhile
                if due is not None:
                    await self.sign_in(due.signer)
        return self.token

    def _due_for_renewal(self) -> SignedIn | None:
        signed_in = self._signed_in
        return signed_in if signed_in and signed_in.due(self.token, self._clock()) else None

    async def _sign_in_again(self, refused: str | None) -> bool:
        """CmsClient._sign_in_again: once more after a refused token of a sign-in here."""
        async with self._renewal:
            signed_in = self._signed_in
            if signed_in is None or self.token != signed_in.token:
                return False
            if self.token != refused:
                return True  # another caller signed in since this call was sent
            if not signed_in.may_have_expired(self._clock()):
                return False  # revoked, not expired: the revocation stands
            await self.sign_in(signed_in.signer)
            return True

    async def logout(self) -> None:
        await self._call("POST", "/api/v1/auth/logout")
        self.token = self._signed_in = None

    async def me(self) -> dict[str, Any]:
        return await self._call("GET", "/api/v1/identities/me")

    # ------------------------------------------------------------ contracts

    async def create_contract(self, data: dict[str, Any], *,
                              idempotency_key: str | None = None) -> dict[str, Any]:
        return await self._call("POST", "/api/v1/contracts", data,
                                idempotency_key=idempotency_key)

    async def get_contract(self, contract_id: str) -> dict[str, Any]:
        return await self._call("GET", f"/api/v1/contracts/{contract_id}")

    async def list_contracts(self, **params: Any) -> dict[str, Any]:
        """One page; the filters of CmsClient.list_contracts."""
        return await self._call("GET", "/api/v1/contracts",
                                params={k: v for k, v in params.items() if v is not None})

    async def iter_contracts(self, **params: Any) -> AsyncIterator[dict[str, Any]]:
        """Every matching contract, newest first, following next_cursor to the end."""
        async for item in aiterate_pages(
                lambda cursor: self.list_contracts(**params, cursor=cursor),
                items="items", position="next_cursor"):
            yield item

    async def update_contract(self, contract_id: str,
                              changes: dict[str, Any]) -> dict[str, Any]:
        return await self._call("PATCH", f"/api/v1/contracts/{contract_id}", changes)

    async def transition(self, contract_id: str, action: str,
                         body: dict[str, Any] | None = None) -> dict[str, Any]:
        """submit, request-changes, activate, complete or terminate."""
        return await self._call("POST", f"/api/v1/contracts/{contract_id}/{action}", body)

    async def sign_contract(self, contract_id: str, signer: Signer) -> dict[str, Any]:
        """Sign what the client derives from the contract's content (CmsClient.sign_contract)."""
        contract = await self.get_contract(contract_id)
        payload = await self._call("GET", f"/api/v1/contracts/{contract_id}/signing-payload")
        expected = expected_signing_payload(contract_id, contract, payload, signer)
        return await self._call("POST", f"/api/v1/contracts/{contract_id}/sign",
                                {"signature": signer.sign_contract(expected)})

    async def events(self, contract_id: str) -> list[dict[str, Any]]:
        return (await self._call("GET", f"/api/v1/contracts/{contract_id}/events"))["events"]

    async def verify(self, contract_id: str) -> dict[str, Any]:
        return await self._call("POST", f"/api/v1/contracts/{contract_id}/verify")

    async def receipt(self, contract_id: str) -> bytes:
        """The receipt byte for byte as issued (canonical JSON: keep it so)."""
        return (await self._request("GET", f"/api/v1/contracts/{contract_id}/receipt")).content

    # ------------------------------------------------------------ templates

    async def templates(self) -> list[dict[str, Any]]:
        return (await self._call("GET", "/api/v1/templates"))["items"]

    async def template(self, template_id: str, version: int | None = None) -> dict[str, Any]:
        params = {"version": version} if version is not None else None
        return await self._call("GET", f"/api/v1/templates/{template_id}", params=params)

    async def render_template(self, template_id: str, variables: dict[str, Any], *,
                              version: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"variables": variables}
        if version is not None:
            body["version"] = version
        return await self._call("POST", f"/api/v1/templates/{template_id}/render", body)

    # ------------------------------------------------------------ plumbing

    async def _call(self, method: str, path: str, body: Any = None, **options: Any) -> Any:
        response = await self._request(method, path, body, **options)
        return response.json() if response.content else {}

    async def _request(self, method: str, path: str, body: Any = None,
                       **options: Any) -> httpx.Response:
        return await self._transport.request(facade_call(method, path, body, **options))


class _SigningInAgain(AsyncTransport):
    """cms_client.client._SigningInAgain, awaited."""

    def __init__(self, *args: Any, sign_in_again: Callable[[str | None], Awaitable[bool]],
                 held_token: Callable[[], str | None], **options: Any) -> None:
        super().__init__(*args, **options)
        self._sign_in_again = sign_in_again
        self._held_token = held_token

    async def request(self, call: ApiCall) -> httpx.Response:
        sent = self._held_token()  # read, not renewed: the call renews if due
        try:
            return await super().request(call)
        except AuthenticationFailed as error:
            if (not call.authenticated or error.code not in TOKEN_REFUSALS
                    or not await self._sign_in_again(sent)):
                raise
        return await super().request(call)
