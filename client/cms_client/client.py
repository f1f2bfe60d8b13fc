"""The synchronous client: hand-written calls returning dicts (``CmsClient``), and every
operation typed (``CmsClient.api``); errors raise ApiError subclasses (cms_client.errors)."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from cms_client.checks import check_challenge, expected_signing_payload
from cms_client.errors import ApiError, AuthenticationFailed
from cms_client.generated.operations import IDEMPOTENT_OPERATIONS, Operations
from cms_client.signers import Signer
from cms_client.tokens import SignedIn
from cms_client.transport import ApiCall, RetryPolicy, Transport, iterate_pages


class CmsClient:
    def __init__(self, base_url: str, *, token: str | None = None, timeout: float = 30.0,
                 http: httpx.Client | None = None, retry: RetryPolicy | None = None,
                 sleep: Callable[[float], None] | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.did: str | None = None  # whom the token speaks for, once signed in here
        self._http = http or httpx.Client(timeout=timeout)
        self._clock = clock or time.time
        self._signed_in: SignedIn | None = None
        # One renewal at a time: threads sharing a client (a bulk run) that find the token
        # due together must not each sign in (the auth routes are rate-limited).
        self._renewal = threading.Lock()
        self._transport = _SigningInAgain(self.base_url, self._http, token=self._current_token,
                                          policy=retry, sleep=sleep, clock=self._clock,
                                          sign_in_again=self._sign_in_again,
                                          held_token=lambda: self.token)
        # Every operation of the API, typed (cms_client.generated.operations).
        self.api = Operations(self._transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CmsClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # ------------------------------------------------------------ auth

    def register(self, signer: Signer, **extra: Any) -> dict[str, Any]:
        return self._call("POST", "/api/v1/auth/register",
                          {"did": signer.did, "public_key": signer.public_key, **extra},
                          authenticated=False)

    def sign_in(self, signer: Signer) -> str:
        """Sign in; the challenge is signed only if it is bound to this client's base URL.
        The client signs in again with ``signer`` when the token is about to expire."""
        issued = self._call("POST", "/api/v1/auth/challenge", {"did": signer.did},
                            authenticated=False)
        check_challenge(self.base_url, issued)
        verified = self._call("POST", "/api/v1/auth/verify", {
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
        """Use a token obtained earlier (e.g. kept in a cache) as if this client had signed
        in for it: ``signer`` (the key it was issued to) renews it before ``expires_at``
        (seconds since the epoch), as after ``sign_in``. The signer signs only then."""
        with self._renewal:
            self.token, self.did = token, signer.did
            self._signed_in = SignedIn(signer, token, expires_at)

    def _current_token(self) -> str | None:
        if self._due_for_renewal() is not None:
            with self._renewal:
                due = self._due_for_renewal()  # None if another thread renewed meanwhile
                if due is not None:
                    self.sign_in(due.signer)
        return self.token

    def _due_for_renewal(self) -> SignedIn | None:
        signed_in = self._signed_in
        return signed_in if signed_in and signed_in.due(self.token, self._clock()) else None

    def _sign_in_again(self, refused: str | None) -> bool:
        """After the API refused the token ``refused`` near its expiry (the API's clock ahead
        of ours): sign in again with the signer that obtained it, once whichever thread saw
        the refusal first. True when the call is worth sending again; never for a token set
        by hand, nor for one refused well before its expiry (revoked: that stands)."""
        with self._renewal:
            signed_in = self._signed_in
            if signed_in is None or self.token != signed_in.token:
                return False
            if self.token != refused:
                return True  # another caller signed in since this call was sent
            if not signed_in.may_have_expired(self._clock()):
                return False  # revoked, not expired: the revocation stands
            self.sign_in(signed_in.signer)
            return True  # else another thread signed in since the call was sent

    def logout(self) -> None:
        """Revoke this client's token (the identity's other sessions go on); every route
        refuses it within the authorizer's cache TTL, 5 s."""
        self._call("POST", "/api/v1/auth/logout")
        self.token = self._signed_in = None

    def revoke_sessions(self, did: str | None = None) -> str:
        """End every session of ``did`` (default: this client's identity, whose token then
        stops working too; another identity's only as an admin). Returns the DID."""
        own = self.did or self.me()["did"]
        target = did or own
        self._call("DELETE", f"/api/v1/identities/{quote(target, safe=':')}/sessions")
        if target == own:
            self.token = self._signed_in = None
        return target

    def me(self) -> dict[str, Any]:
        return self._call("GET", "/api/v1/identities/me")

    def did_document(self, did: str) -> dict[str, Any]:
        """The DID document the platform resolves for a registered identity (its own, or
        any for auditors and admins)."""
        return self._call("GET", f"/api/v1/identities/{quote(did, safe=':')}/did-document")

    def list_identities(self, **params: Any) -> dict[str, Any]:
        """One page (admins). Filters: status, role, q (a DID prefix, or a part of the name
        or DID); cursor and limit. A page may be short, even empty, and still have a
        next_cursor (bounded reads)."""
        return self._call("GET", "/api/v1/identities",
                          params={k: v for k, v in params.items() if v is not None})

    def administer_identity(self, did: str, **change: Any) -> dict[str, Any]:
        """An admin's change of status, roles or type, e.g. ``status="suspended"``."""
        return self._call("PATCH", f"/api/v1/identities/{quote(did, safe=':')}", change)

    # ------------------------------------------------------------ contracts

    def create_contract(self, data: dict[str, Any], *,
                        idempotency_key: str | None = None) -> dict[str, Any]:
        """A draft; ``idempotency_key`` (default: a new one, kept across this call's retries)
        makes a repeated create answer the same contract."""
        return self._call("POST", "/api/v1/contracts", data, idempotency_key=idempotency_key)

    def get_contract(self, contract_id: str) -> dict[str, Any]:
        return self._call("GET", f"/api/v1/contracts/{contract_id}")

    def list_contracts(self, **params: Any) -> dict[str, Any]:
        """One page. Filters: status, role, scope, counterparty, template_id, created_after,
        created_before, valid_at, q (title search); cursor and limit. A filtered page may
        hold fewer than ``limit`` items and still have a next_cursor (bounded reads)."""
        return self._call("GET", "/api/v1/contracts",
                          params={k: v for k, v in params.items() if v is not None})

    def iter_contracts(self, **params: Any) -> Iterator[dict[str, Any]]:
        """Every matching contract, newest first, following next_cursor to the end."""
        return iterate_pages(lambda cursor: self.list_contracts(**params, cursor=cursor),
                             items="items", position="next_cursor")

    def update_contract(self, contract_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        return self._call("PATCH", f"/api/v1/contracts/{contract_id}", changes)

    def transition(self, contract_id: str, action: str,
                   body: dict[str, Any] | None = None) -> dict[str, Any]:
        """submit, request-changes, activate, complete or terminate."""
        return self._call("POST", f"/api/v1/contracts/{contract_id}/{action}", body)

    def sign_contract(self, contract_id: str, signer: Signer) -> dict[str, Any]:
        """Sign what the client itself derives from the contract's content, never blindly.

        The digest is recomputed from the content the server shows, and the payload rebuilt
        from that digest; the server's payload must match it (ValueError otherwise).
        """
        contract = self.get_contract(contract_id)
        # Fetched before any local check so that the server's refusals (e.g. 409 for a draft,
        # which has no digest yet) still surface as ApiError.
        payload = self._call("GET", f"/api/v1/contracts/{contract_id}/signing-payload")
        expected = expected_signing_payload(contract_id, contract, payload, signer)
        return self._call("POST", f"/api/v1/contracts/{contract_id}/sign",
                          {"signature": signer.sign_contract(expected)})

    def events(self, contract_id: str) -> list[dict[str, Any]]:
        return self._call("GET", f"/api/v1/contracts/{contract_id}/events")["events"]

    def verify(self, contract_id: str) -> dict[str, Any]:
        return self._call("POST", f"/api/v1/contracts/{contract_id}/verify")

    def receipt(self, contract_id: str) -> bytes:
        """The contract's receipt, byte for byte as issued (keep it so: it is canonical JSON
        and ``cms verify-receipt`` checks that form)."""
        return self._request("GET", f"/api/v1/contracts/{contract_id}/receipt").content

    # ------------------------------------------------------------ templates

    def templates(self) -> list[dict[str, Any]]:
        return self._call("GET", "/api/v1/templates")["items"]

    def template(self, template_id: str, version: int | None = None) -> dict[str, Any]:
        params = {"version": version} if version is not None else None
        return self._call("GET", f"/api/v1/templates/{template_id}", params=params)

    def template_versions(self, template_id: str) -> list[dict[str, Any]]:
        return self._call("GET", f"/api/v1/templates/{template_id}/versions")["items"]

    def create_template(self, definition: dict[str, Any]) -> dict[str, Any]:
        """Admins: ``definition`` holds ``id`` and the template fields."""
        return self._call("POST", "/api/v1/templates", definition)

    def revise_template(self, template_id: str, definition: dict[str, Any], *,
                        base_version: int | None = None) -> dict[str, Any]:
        params = {"base_version": base_version} if base_version is not None else None
        return self._call("PUT", f"/api/v1/templates/{template_id}", definition,
                          params=params)

    def render_template(self, template_id: str, variables: dict[str, Any], *,
                        version: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"variables": variables}
        if version is not None:
            body["version"] = version
        return self._call("POST", f"/api/v1/templates/{template_id}/render", body)

    # ------------------------------------------------------------ webhooks

    def create_webhook(self, url: str, event_types: list[str] | None = None) -> dict[str, Any]:
        """A new webhook with its signing ``secret``: the only time the secret is shown."""
        return self._call("POST", "/api/v1/webhooks",
                          {"url": url, "event_types": list(event_types or [])})

    def webhooks(self) -> list[dict[str, Any]]:
        return self._call("GET", "/api/v1/webhooks")["items"]

    def delete_webhook(self, webhook_id: str) -> None:
        self._request("DELETE", f"/api/v1/webhooks/{webhook_id}")

    def set_webhook_status(self, webhook_id: str, status: str) -> dict[str, Any]:
        """``active`` or ``disabled`` (idempotent)."""
        return self._call("PATCH", f"/api/v1/webhooks/{webhook_id}", {"status": status})

    def rotate_webhook_secret(self, webhook_id: str) -> dict[str, Any]:
        """The webhook with a new ``secret`` (shown only now); later attempts, retries of
        earlier deliveries included, are signed with it."""
        return self._call("POST", f"/api/v1/webhooks/{webhook_id}/rotate-secret")

    def webhook_deliveries(self, webhook_id: str, *, cursor: str | None = None,
                           limit: int = 20) -> dict[str, Any]:
        """A page of deliveries, newest first: ``{items, next_cursor}``."""
        params: dict[str, Any] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        return self._call("GET", f"/api/v1/webhooks/{webhook_id}/deliveries", params=params)

    def replay_webhook_delivery(self, webhook_id: str, delivery_id: str) -> dict[str, Any]:
        return self._call("POST", f"/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}"
                                  "/replay")

    # ------------------------------------------------------------ documents and attachments

    def document(self, contract_id: str, fmt: str = "pdf") -> bytes:
        """The rendered document, checked against the SHA-256 the contract records (and its
        digest covers): a mismatch raises ValueError instead of returning the bytes."""
        contract = self.get_contract(contract_id)
        link = self._call("GET", f"/api/v1/contracts/{contract_id}/document",
                          params={"format": fmt})
        expected = contract["metadata"]["document"][fmt]["sha256"]
        return self.download_checked(link["url"], expected)

    def attach(self, contract_id: str, name: str, media_type: str,
               content: bytes) -> str:
        """Upload a file to a draft through a presigned POST; returns the attachment id.
        It is registered (and visible on the contract) once S3 has reported it."""
        grant = self._call("POST", f"/api/v1/contracts/{contract_id}/attachments",
                           {"name": name, "media_type": media_type, "size": len(content)})
        self._post_form(grant["upload"], name, content, media_type)
        return grant["attachment_id"]

    def upload_dataset(self, contract_id: str, dataset_id: str, archive: bytes) -> None:
        """Upload one of an AI-training contract's datasets (its provider): a zip of the
        four MNIST IDX files. It is format-checked, sealed for the enclave and listed by
        ``datasets()`` once S3 has reported it."""
        grant = self._call("POST", f"/api/v1/contracts/{contract_id}/datasets",
                           {"dataset_id": dataset_id, "size": len(archive)})
        self._post_form(grant["upload"], f"{dataset_id}.zip", archive, grant["media_type"])

    def list_training_jobs(self, **params: Any) -> dict[str, Any]:
        """One page of the caller's training jobs across contracts (as consumer or provider),
        newest first. Filters: status, contract_id (that contract's jobs, for whoever may read
        it); cursor and limit. A filtered page may hold fewer than ``limit`` items and still
        have a next_cursor (bounded reads)."""
        return self._call("GET", "/api/v1/training-jobs",
                          params={k: v for k, v in params.items() if v is not None})

    def iter_training_jobs(self, **params: Any) -> Iterator[dict[str, Any]]:
        """Every matching training job, newest first, following next_cursor to the end."""
        return iterate_pages(lambda cursor: self.list_training_jobs(**params, cursor=cursor),
                             items="items", position="next_cursor")

    def datasets(self, contract_id: str) -> list[dict[str, Any]]:
        return self._call("GET", f"/api/v1/contracts/{contract_id}/datasets")["items"]

    def _post_form(self, form: dict[str, Any], name: str, content: bytes,
                   media_type: str) -> None:
        response = self._http.post(form["url"], data=form["fields"],
                                   files={"file": (name, content, media_type)})
        if response.status_code >= 300:
            raise ApiError.from_response(response.status_code, {
                "code": "upload_failed", "detail": response.text[:500]})

    def attachment(self, contract_id: str, attachment_id: str) -> bytes:
        """An attachment's bytes, checked against its recorded SHA-256."""
        record = self._call("GET", f"/api/v1/contracts/{contract_id}/attachments/"
                                   f"{attachment_id}")
        return self.download_checked(record["url"], record["sha256"])

    def download_checked(self, url: str, sha256: str) -> bytes:
        """A presigned link's bytes, checked against the SHA-256 the platform records for
        them (a document, an attachment, a trained model): a mismatch raises ValueError
        instead of returning the bytes."""
        response = self._http.get(url)  # presigned: no Authorization header goes with it
        if response.status_code >= 300:  # e.g. a link that expired: an API error, not a crash
            raise ApiError.from_response(response.status_code, {
                "code": "download_failed", "detail": response.text[:500]})
        if hashlib.sha256(response.content).hexdigest() != sha256:
            raise ValueError("the downloaded file does not match the SHA-256 recorded for it")
        return response.content

    def ledger(self) -> dict[str, Any]:
        """The chain and ledger this deployment anchors on (public): ``pin`` is what
        ``cms verify-receipt --ledger`` takes."""
        return self._call("GET", "/api/v1/ledger")

    def ledger_status(self) -> dict[str, Any]:
        return self._call("GET", "/api/v1/ledger/status")

    def ledger_batches(self, limit: int = 20) -> dict[str, Any]:
        """The most recent confirmed anchoring batches, newest first, each with its times
        and anchoring lag (``LedgerBatchList``); ``limit`` from 1 to 50."""
        return self._call("GET", "/api/v1/ledger/batches", params={"limit": limit})

    def health(self) -> dict[str, Any]:
        """Each dependency's state (public): ``Health``, or the 503 ``service_degraded``
        problem whose ``checks`` say which is down."""
        return self._call("GET", "/health", expect_error=True)

    def health_details(self) -> dict[str, Any]:
        """Each dependency's state, why, and what was probed (admins): ``HealthDetails``."""
        return self._call("GET", "/health/details")

    def chain_health(self) -> dict[str, Any]:
        """The chain this deployment anchors on and how anchoring does (public)."""
        return self._call("GET", "/health/chain")

    # Kept as a method: tests and callers check a payload without a client.
    _expected_signing_payload = staticmethod(expected_signing_payload)

    # ------------------------------------------------------------ contract engine

    def deploy_engine_contract(self, kind: str, *, name: str | None = None,
                               init_args: dict[str, Any] | None = None,
                               code: str | bytes | None = None,
                               manifest: dict[str, Any] | None = None,
                               salt: str | None = None,
                               gas_limit: int | None = None,
                               governed_by: str | None = None) -> dict[str, Any]:
        """Deploy an engine contract; a WebAssembly ``code`` is WAT text or the binary.
        ``governed_by``: the id of a contract this identity is a party to; the engine
        contract runs only while that contract allows work."""
        body: dict[str, Any] = {"kind": kind, "name": name, "init_args": init_args,
                                "manifest": manifest, "salt": salt, "gas_limit": gas_limit,
                                "governed_by": governed_by}
        if isinstance(code, bytes):
            body.update(code=code.hex(), code_encoding="hex")
        elif code is not None:
            body.update(code=code, code_encoding="wat")
        return self._call("POST", "/api/v1/engine/contracts",
                          {k: v for k, v in body.items() if v is not None})

    def engine_contracts(self, *, limit: int = 50,
                         cursor: str | None = None) -> dict[str, Any]:
        """The engine contracts this identity deployed, newest first (a page)."""
        params: dict[str, Any] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        return self._call("GET", "/api/v1/engine/contracts", params=params)

    def engine_contract(self, address: str) -> dict[str, Any]:
        return self._call("GET", f"/api/v1/engine/contracts/{address}")

    def execute(self, address: str, function: str, args: dict[str, Any] | None = None, *,
                gas_limit: int | None = None) -> dict[str, Any]:
        """Run one function as this client's identity; a failure raises ApiError with the
        contract's error (contract_reverted, gas_exhausted, execution_timeout)."""
        return self._call("POST", f"/api/v1/engine/contracts/{address}/execute",
                          _call_body(function, args, gas_limit))

    def execute_batch(self, address: str, calls: list[dict[str, Any]]) -> dict[str, Any]:
        """Run calls ({function, args?, gas_limit?}) in order; per-call results."""
        return self._call("POST", f"/api/v1/engine/contracts/{address}/execute-batch",
                          {"calls": calls})

    def estimate_gas(self, address: str, function: str, args: dict[str, Any] | None = None,
                     *, gas_limit: int | None = None) -> dict[str, Any]:
        """The gas the call would use (a dry run bounded by ``gas_limit``, default the
        largest a call may have, and by a call's time limit; recorded as this identity's)."""
        return self._call("POST", f"/api/v1/engine/contracts/{address}/estimate-gas",
                          _call_body(function, args, gas_limit))

    def engine_history(self, address: str, *, limit: int = 50,
                       cursor: str | None = None) -> dict[str, Any]:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        return self._call("GET", f"/api/v1/engine/contracts/{address}/history", params=params)

    def engine_health(self, address: str) -> dict[str, Any]:
        return self._call("GET", f"/api/v1/engine/contracts/{address}/health")

    def engine_info(self) -> dict[str, Any]:
        return self._call("GET", "/api/v1/engine/info")

    def engine_metrics(self) -> dict[str, Any]:
        return self._call("GET", "/api/v1/engine/metrics")

    # ------------------------------------------------------------ plumbing

    def _call(self, method: str, path: str, body: Any = None, **options: Any) -> Any:
        response = self._request(method, path, body, **options)
        return response.json() if response.content else {}

    def _request(self, method: str, path: str, body: Any = None, *,
                 params: dict[str, Any] | None = None, expect_error: bool = False,
                 authenticated: bool = True, idempotency_key: str | None = None,
                 headers: dict[str, str] | None = None) -> httpx.Response:
        return self._transport.request(facade_call(
            method, path, body, params=params, expect_error=expect_error,
            authenticated=authenticated, idempotency_key=idempotency_key, headers=headers))


# A 401 that refuses the bearer token: the token service's code, and the gateway's (which
# is all clients behind it see); not the sign-in routes' challenge problems.
TOKEN_REFUSALS = frozenset({"invalid_token", "unauthorized"})


class _SigningInAgain(Transport):
    """A Transport that, when the API refuses the token of a sign-in made here (401), signs
    in once more and sends the call once more. Safe to resend: the token is checked before
    anything is done."""

    def __init__(self, *args: Any, sign_in_again: Callable[[str | None], bool],
                 held_token: Callable[[], str | None], **options: Any) -> None:
        super().__init__(*args, **options)
        self._sign_in_again = sign_in_again
        self._held_token = held_token

    def request(self, call: ApiCall) -> httpx.Response:
        sent = self._held_token()  # read, not renewed: the call renews if due
        try:
            return super().request(call)
        except AuthenticationFailed as error:
            if (not call.authenticated or error.code not in TOKEN_REFUSALS
                    or not self._sign_in_again(sent)):
                raise
        return super().request(call)


def facade_call(method: str, path: str, body: Any = None, *,
                params: dict[str, Any] | None = None, expect_error: bool = False,
                authenticated: bool = True, idempotency_key: str | None = None,
                headers: dict[str, str] | None = None) -> ApiCall:
    """A hand-written call (a formatted path, a JSON body) as the transport takes it; a call
    to an operation that takes an Idempotency-Key (every create) carries one, so that its
    retries are safe."""
    return ApiCall(method, path, query=params or {}, body=body, expect_error=expect_error,
                   authenticated=authenticated, idempotency_key=idempotency_key,
                   headers=headers or {},
                   idempotency_header=_idempotency_header(method, path))


# The idempotent operations' path templates as patterns a formatted path is matched against.
_IDEMPOTENT_PATHS = [
    (method, re.compile(re.sub(r"\{[^/}]+\}", "[^/]+", template)))
    for method, template in sorted(IDEMPOTENT_OPERATIONS)]


def _idempotency_header(method: str, path: str) -> str | None:
    if any(method == m and pattern.fullmatch(path) for m, pattern in _IDEMPOTENT_PATHS):
        return "Idempotency-Key"
    return None


def _call_body(function: str, args: dict[str, Any] | None,
               gas_limit: int | None) -> dict[str, Any]:
    body: dict[str, Any] = {"function": function}
    if args is not None:
        body["args"] = args
    if gas_limit is not None:
        body["gas_limit"] = gas_limit
    return body
