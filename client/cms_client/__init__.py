"""Python client for the Contract Management System API."""

from cms_client.client import ApiError, CmsClient
from cms_client.signers import Ed25519Signer, EthereumSigner, Signer

__all__ = ["ApiError", "CmsClient", "Ed25519Signer", "EthereumSigner", "Signer"]
