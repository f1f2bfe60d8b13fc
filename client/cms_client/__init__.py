"""Python client for the Contract Management System API.

``CmsClient`` (and ``AsyncCmsClient``) sign in with a ``Signer``; ``client.api`` has every
operation of the API typed (cms_client.generated); errors are ``ApiError`` subclasses, per
HTTP status class here and per problem code in ``cms_client.generated.problems``.
"""

from cms_client.async_client import AsyncCmsClient
from cms_client.client import CmsClient
from cms_client.errors import (
    ApiError,
    AuthenticationFailed,
    Conflict,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServiceUnavailable,
    UnexpectedResponse,
)
from cms_client.generated import models, problems
from cms_client.generated.operations import AsyncOperations, Operations
from cms_client.signers import Ed25519Signer, EthereumSigner, Signer
from cms_client.transport import RetryPolicy

__all__ = ["ApiError", "AsyncCmsClient", "AsyncOperations", "AuthenticationFailed",
           "CmsClient", "Conflict", "Ed25519Signer", "EthereumSigner", "InvalidRequest",
           "NotFound", "Operations", "PermissionDenied", "RateLimited", "RetryPolicy",
           "ServiceUnavailable", "Signer", "UnexpectedResponse", "models", "problems"]
