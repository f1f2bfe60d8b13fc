"""Key holders that sign in and sign contracts. Keys never leave the client."""

from __future__ import annotations

from typing import Any, Protocol

from nacl.signing import SigningKey

from cms.domain.did import did_key_from_ed25519
from cms.domain.did.web import did_web_url
from cms.domain.errors import DomainError
from cms.domain.signatures import CONTRACT_MESSAGE_PREFIX


class Signer(Protocol):
    did: str

    @property
    def public_key(self) -> str: ...

    def sign_message(self, text: str) -> str: ...

    def sign_contract(self, payload: dict[str, Any]) -> str: ...


def did_web(did: str) -> str:
    """``did`` if it is a well-formed did:web (its document, which must list the signer's key,
    is the server's to fetch and check); ValueError otherwise."""
    try:
        did_web_url(did)
    except DomainError as error:
        raise ValueError(f"not a usable did:web: {error}") from None
    return did


class EthereumSigner:
    """secp256k1 key; did:pkh:eip155 by default (did:ethr with ``method="ethr"``), or the
    did:web ``did`` whose document lists this key's address."""

    def __init__(self, private_key: str | None = None, *, chain_id: int = 1,
                 method: str = "pkh", did: str | None = None) -> None:
        # Imported here, not at the top: eth_account costs ~0.4 s to import, which every CLI
        # command would otherwise pay, signing or not.
        from eth_account import Account

        self._account = Account.from_key(private_key) if private_key else Account.create()
        address = self._account.address
        if did is not None:
            self.did = did_web(did)
        elif method == "pkh":
            self.did = f"did:pkh:eip155:{chain_id}:{address}"
        elif method == "ethr":
            self.did = f"did:ethr:{address}"
        else:
            raise ValueError(f"method must be pkh or ethr, not {method!r}")

    @property
    def public_key(self) -> str:
        return self._account.address

    @property
    def private_key(self) -> str:
        return "0x" + bytes(self._account.key).hex()

    def sign_message(self, text: str) -> str:
        """EIP-191 personal_sign, as wallets do for Sign-In with Ethereum."""
        from eth_account.messages import encode_defunct

        return "0x" + self._account.sign_message(encode_defunct(text=text)).signature.hex()

    def sign_contract(self, payload: dict[str, Any]) -> str:
        """EIP-712 typed data from the API's signing payload."""
        from eth_account.messages import encode_typed_data

        typed = encode_typed_data(full_message=payload["typed_data"])
        return "0x" + self._account.sign_message(typed).signature.hex()


class Ed25519Signer:
    """Ed25519 key as did:key, or as the did:web ``did`` whose document lists this key."""

    def __init__(self, seed: bytes | None = None, *, did: str | None = None) -> None:
        self._key = SigningKey(seed) if seed else SigningKey.generate()
        self.did = (did_web(did) if did is not None
                    else did_key_from_ed25519(bytes(self._key.verify_key)))

    @property
    def seed(self) -> bytes:
        """The 32-byte private seed (to store the key; keep it secret)."""
        return bytes(self._key)

    @property
    def public_key(self) -> str:
        return bytes(self._key.verify_key).hex()

    def sign_message(self, text: str) -> str:
        """Raw Ed25519 over UTF-8 text, for sign-in; never a contract-signature message.

        A server that issued a contract message as a sign-in challenge would otherwise obtain
        a contract signature; contract messages are signed by ``sign_contract`` only.
        """
        if text.startswith(CONTRACT_MESSAGE_PREFIX):
            raise ValueError("refusing to sign a contract-signature message as a sign-in message")
        return self._sign_bytes(text.encode("utf-8"))

    def sign_contract(self, payload: dict[str, Any]) -> str:
        """The prefixed contract message from the API's signing payload."""
        message = payload["message"]
        # The converse of sign_message's refusal: this method signs contract messages only.
        if not isinstance(message, str) or not message.startswith(CONTRACT_MESSAGE_PREFIX):
            raise ValueError("a contract message must start with the contract-signature prefix")
        return self._sign_bytes(message.encode("utf-8"))

    def _sign_bytes(self, data: bytes) -> str:
        return self._key.sign(data).signature.hex()
