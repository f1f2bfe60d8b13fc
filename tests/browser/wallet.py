"""The browser tests' Ethereum wallet: the page sees an EIP-1193 provider (wallet.js), the key
stays here, in an eth_account account, and signs what the page asks through one binding."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data

WALLET_JS = (Path(__file__).parent / "wallet.js").read_text()
ANVIL_CHAIN_ID = 31337
USER_REJECTED = {"code": 4001, "message": "User rejected the request."}
UNAUTHORIZED = {"code": 4100, "message": "The account is not connected."}


@dataclass
class TestWallet:
    __test__ = False  # a helper named Test*, not a test class for pytest to collect
    chain_id: int = ANVIL_CHAIN_ID
    account: Any = field(default_factory=Account.create)
    # What the page asked to sign, in order: tests assert on what the user was shown.
    requests: list[tuple[str, Any]] = field(default_factory=list)
    refuse_signing: bool = False

    @property
    def address(self) -> str:
        return self.account.address

    @property
    def did(self) -> str:
        return f"did:pkh:eip155:{self.chain_id}:{self.address}"

    def install(self, context: Any) -> None:
        """Announce this wallet in every page of a Playwright browser context."""
        context.expose_binding("__cmsTestWallet", self._answer)
        context.add_init_script(WALLET_JS)

    def _answer(self, _source: Any, method: str, params: list[Any], connected: bool
                ) -> dict[str, Any]:
        self.requests.append((method, params))
        try:
            result = self._result(method, params, connected)
            return {"result": result, "chainId": hex(self.chain_id)}
        except PermissionError as refusal:
            return {"error": refusal.args[0]}

    def _result(self, method: str, params: list[Any], connected: bool) -> Any:
        if method == "eth_chainId":
            return hex(self.chain_id)
        if method == "net_version":
            return str(self.chain_id)
        if method == "eth_accounts":
            return [self.address] if connected else []
        if method == "eth_requestAccounts":
            return [self.address]
        if method == "wallet_requestPermissions":
            return [{"parentCapability": "eth_accounts"}]
        if method in ("wallet_switchEthereumChain", "wallet_revokePermissions"):
            return None
        if method == "personal_sign":
            self._may_sign(connected)
            message, _address = params
            text = bytes.fromhex(message[2:]).decode() if message.startswith("0x") else message
            return "0x" + self.account.sign_message(encode_defunct(text=text)).signature.hex()
        if method == "eth_signTypedData_v4":
            self._may_sign(connected)
            _address, typed = params
            data = json.loads(typed) if isinstance(typed, str) else typed
            signed = self.account.sign_message(encode_typed_data(full_message=data))
            return "0x" + signed.signature.hex()
        raise PermissionError({"code": 4200, "message": f"Test wallet: {method} unsupported"})

    def _may_sign(self, connected: bool) -> None:
        if not connected:
            raise PermissionError(UNAUTHORIZED)
        if self.refuse_signing:
            raise PermissionError(USER_REJECTED)
