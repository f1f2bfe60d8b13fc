"""The REQUEST authorizer on in-memory services: a valid token of an active identity is
allowed with its DID and roles; anything the caller got wrong is 401; a failure of the
platform (an outage, a misconfigured function) is not blamed on the token."""

from __future__ import annotations

from typing import Any

import pytest

from cms.bootstrap import MemoryServices
from cms.config import Misconfigured, Settings
from cms.domain.identity import Caller, IdentityStatus, Role
from cms_client import Ed25519Signer
from local_stack.lambdas import fresh_instance

ARN = "arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/api/v1/contracts"


class Context:
    function_name, memory_limit_in_mb, aws_request_id = "authorizer", 256, "req-1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:authorizer"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 3_000


def request(token: str) -> dict[str, Any]:
    return {"type": "REQUEST", "methodArn": ARN,
            "headers": {"Authorization": f"Bearer {token}"}}


@pytest.fixture
def services() -> MemoryServices:
    return MemoryServices(Settings())


def authorizer(services: MemoryServices) -> Any:
    function = fresh_instance("functions.authorizer.app")
    function.runtime.use(services)
    return function


def signed_in(services: MemoryServices) -> tuple[Ed25519Signer, str]:
    signer = Ed25519Signer()
    services.auth.register(signer.did, signer.public_key, source_ip="192.0.2.1")
    issued = services.auth.challenge(signer.did, "192.0.2.1")
    token = services.auth.verify(signer.did, issued.challenge,
                                 signer.sign_message(issued.challenge), "192.0.2.1").token
    return signer, token


def test_an_active_identitys_token_is_allowed_with_its_did(services):
    signer, token = signed_in(services)
    policy = authorizer(services).handler(request(token), Context())
    assert policy["principalId"] == signer.did
    claims = services.tokens.verify(token)
    assert policy["context"] == {"did": signer.did, "roles": "", "jti": claims["jti"],
                                 "exp": claims["exp"]}
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Allow"


def test_a_logged_out_revoked_or_suspended_identitys_token_is_unauthorized(services):
    function = authorizer(services)
    signer, token = signed_in(services)
    claims = services.tokens.verify(token)
    me = Caller(signer.did, token_id=claims["jti"], token_expires=claims["exp"])
    services.sessions.logout(me)
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        function.handler(request(token), Context())
    signer, token = signed_in(services)
    services.identities.revoke_sessions(Caller(signer.did), signer.did)
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        function.handler(request(token), Context())
    signer, token = signed_in(services)
    admin = Caller("did:key:z6MkAdmin", frozenset({Role.ADMIN.value}))
    services.identities.administer(admin, signer.did, status=IdentityStatus.SUSPENDED)
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        function.handler(request(token), Context())


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c"])
def test_a_bad_token_is_unauthorized(services, token):
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer(services).handler(request(token), Context())


def test_a_misconfigured_function_is_not_the_tokens_fault(services):
    _, token = signed_in(services)

    class Broken(MemoryServices):
        @property
        def identity_store(self) -> Any:
            raise Misconfigured("CMS_IDENTITIES_TABLE is not set for this function")

    broken = Broken(Settings(), services.database)
    broken.__dict__["signing_keys"] = services.signing_keys  # the keys that signed the token
    with pytest.raises(Misconfigured):
        authorizer(broken).handler(request(token), Context())
