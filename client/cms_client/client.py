"""A small synchronous client over httpx; errors raise ApiError with the problem document."""

from __future__ import annotations

from typing import Any

import httpx

from cms_client.signers import Signer


class ApiError(Exception):
    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        self.code = problem.get("code", "unknown")
        super().__init__(f"{status} {self.code}: {problem.get('detail', problem)}")


class CmsClient:
    def __init__(self, base_url: str, *, token: str | None = None, timeout: float = 30.0,
                 http: httpx.Client | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._http = http or httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------ auth

    def register(self, signer: Signer, **extra: Any) -> dict[str, Any]:
        return self._call("POST", "/api/v1/auth/register",
                          {"did": signer.did, "public_key": signer.public_key, **extra})

    def sign_in(self, signer: Signer) -> str:
        issued = self._call("POST", "/api/v1/auth/challenge", {"did": signer.did})
        verified = self._call("POST", "/api/v1/auth/verify", {
            "did": signer.did, "challenge": issued["challenge"],
            "signature": signer.sign_message(issued["challenge"])})
        self.token = verified["token"]
        return self.token

    def me(self) -> dict[str, Any]:
        return self._call("GET", "/api/v1/identities/me")

    # ------------------------------------------------------------ contracts

    def create_contract(self, data: dict[str, Any], *,
                        idempotency_key: str | None = None) -> dict[str, Any]:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return self._call("POST", "/api/v1/contracts", data, headers=headers)

    def get_contract(self, contract_id: str) -> dict[str, Any]:
        return self._call("GET", f"/api/v1/contracts/{contract_id}")

    def list_contracts(self, **params: Any) -> dict[str, Any]:
        return self._call("GET", "/api/v1/contracts",
                          params={k: v for k, v in params.items() if v is not None})

    def update_contract(self, contract_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        return self._call("PATCH", f"/api/v1/contracts/{contract_id}", changes)

    def transition(self, contract_id: str, action: str,
                   body: dict[str, Any] | None = None) -> dict[str, Any]:
        """submit, request-changes, activate, complete or terminate."""
        return self._call("POST", f"/api/v1/contracts/{contract_id}/{action}", body)

    def sign_contract(self, contract_id: str, signer: Signer) -> dict[str, Any]:
        payload = self._call("GET", f"/api/v1/contracts/{contract_id}/signing-payload")
        return self._call("POST", f"/api/v1/contracts/{contract_id}/sign",
                          {"signature": signer.sign_contract(payload)})

    def events(self, contract_id: str) -> list[dict[str, Any]]:
        return self._call("GET", f"/api/v1/contracts/{contract_id}/events")["events"]

    def verify(self, contract_id: str) -> dict[str, Any]:
        return self._call("POST", f"/api/v1/contracts/{contract_id}/verify")

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health", expect_error=True)

    # ------------------------------------------------------------ plumbing

    def _call(self, method: str, path: str, body: Any = None, *,
              params: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
              expect_error: bool = False) -> Any:
        all_headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        all_headers.update(headers or {})
        response = self._http.request(method, self.base_url + path, json=body, params=params,
                                      headers=all_headers)
        data = response.json() if response.content else {}
        if response.status_code >= 400 and not expect_error:
            raise ApiError(response.status_code, data if isinstance(data, dict) else {})
        return data
