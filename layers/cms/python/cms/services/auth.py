"""DID registration and sign-in.

Sign-in is challenge/response: the server issues a message (EIP-4361 for Ethereum DIDs, an
equivalent domain-bound text for the others) with a fresh 128-bit nonce; the client signs it;
the server checks the text byte for byte, the expiry, the signature against the resolved DID
document and a registered key, and then consumes the nonce with a conditional write.

Nothing an anonymous caller sends tells it whether a DID is registered, or suspended: a
challenge is issued for any well-formed DID without reading the identity; verification looks
at the identity only once the signature is valid (so only the key's holder learns its state);
registration answers the same status and body whether it created the identity or found it,
no sooner than a fixed floor after it starts on the store.
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, TypeVar

from cms.config import Settings
from cms.domain.canonical import iso_utc, parse_iso, utc_now
from cms.domain.did import DidResolver, VerificationMethod, ethereum_address_of, parse_did
from cms.domain.errors import (
    ChallengeExpired,
    ChallengeMismatch,
    ChallengeNotFound,
    ChallengeUsed,
    Conflict,
    DomainError,
    Forbidden,
    IdentityNotFound,
    IdentitySuspended,
    InvalidSignature,
    RateLimited,
    Unauthorized,
)
from cms.domain.identity import (
    Credential,
    Identity,
    IdentityStatus,
    IdentityType,
    Role,
    check_metadata,
    record_change,
)
from cms.domain.signatures import match_public_key, verify_message_signature
from cms.domain.siwe import SiweMessage, new_nonce
from cms.ports.errors import WriteConflict
from cms.ports.identities import IdentityStore
from cms.ports.sign_in import ChallengeStore, RateLimitStore, StoredChallenge
from cms.services.tokens import IssuedToken, TokenService

STATEMENT = "Sign in to the Contract Management System."
NONCE_LINE = re.compile(r"^Nonce: ([A-Za-z0-9]{8,})$", re.MULTILINE)
REGISTRATION_ATTEMPTS = 3
ANONYMOUS = "anonymous"
_Method = TypeVar("_Method", bound=Callable[..., Any])


@dataclass(frozen=True)
class IssuedChallenge:
    challenge: str
    nonce: str
    expires_at: str

    def to_json(self) -> dict[str, str]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Registration:
    identity: Identity
    credential: Credential
    created: bool

    def to_json(self) -> dict[str, Any]:
        """What an unauthenticated caller learns: only what the DID and key already say, the
        same whether the identity was created now or before (or is suspended). The profile
        (name, roles, status) is for the owner after sign-in."""
        credential = {key: value for key, value in self.credential.to_json().items()
                      if key != "created_at"}  # when it was registered is the owner's to know
        return {"did": self.identity.did, "credential": credential}


def _reports_failures(method: _Method) -> _Method:
    """Every refused sign-in step counts as a failure (``failures(code)``): the metric whose
    bursts the sign-in alarm watches. Dependency outages (5xx) are not the caller's."""

    @functools.wraps(method)
    def reporting(self: AuthService, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except DomainError as error:
            if error.status < 500:
                self._failures(error.code)
            raise

    return reporting  # type: ignore[return-value]


class AuthService:
    def __init__(self, *, identities: IdentityStore, challenges: ChallengeStore,
                 rate_limits: RateLimitStore, resolver: DidResolver, tokens: TokenService,
                 settings: Settings, clock: Callable[[], float] = time.monotonic,
                 pause: Callable[[float], None] = time.sleep,
                 failures: Callable[[str], None] = lambda code: None) -> None:
        self._failures = failures
        self._identities = identities
        self._clock = clock
        self._pause = pause
        self._challenges = challenges
        self._rate_limits = rate_limits
        self._resolver = resolver
        self._tokens = tokens
        self._settings = settings

    # ------------------------------------------------------------ registration

    def register(self, did: str, public_key: str, *, source_ip: str, name: str | None = None,
                 identity_type: IdentityType = IdentityType.USER,
                 metadata: dict[str, Any] | None = None) -> Registration:
        parse_did(did)
        # Registration is unauthenticated and may fetch a did:web document: per address only.
        self._take(f"register:ip:{source_ip}", self._settings.signin_ip_burst,
                   self._settings.signin_ip_per_minute)
        method = match_public_key(self._resolver.resolve(did), public_key)
        # Checked whether or not the identity exists (its profile is then left as it is):
        # refusing it only when creating would tell that the DID was not registered.
        metadata = check_metadata(metadata or {})
        with self._no_sooner_than(self._settings.registration_floor_ms / 1000):
            return self._register(did, method, name=name, identity_type=identity_type,
                                  metadata=metadata)

    @contextmanager
    def _no_sooner_than(self, seconds: float) -> Iterator[None]:
        """Finding an identity reads; creating one also writes: padded to one floor, the two
        take the same time from outside (an error inside is padded too)."""
        started = self._clock()
        try:
            yield
        finally:
            remaining = seconds - (self._clock() - started)
            if remaining > 0:
                self._pause(remaining)

    def _register(self, did: str, method: VerificationMethod, *, name: str | None,
                  identity_type: IdentityType, metadata: dict[str, Any]) -> Registration:
        for _ in range(REGISTRATION_ATTEMPTS):
            existing = self._identities.get(did)
            now = iso_utc(utc_now())
            credential = credential_for(method, now)
            known = None if existing is None else next(
                (c for c in existing.credentials if c.credential_id == credential.credential_id),
                None)
            if existing is not None and known is not None:
                return Registration(existing, known, created=False)  # the same pair again
            try:
                if existing is None:
                    identity = self._create(did, credential, now, name=name,
                                            identity_type=identity_type, metadata=metadata)
                else:
                    identity = self._add_key(existing, credential, now)
                return Registration(identity, credential, created=True)
            except WriteConflict:
                continue  # a concurrent registration of this DID landed first: look again
        raise Conflict("the identity changed concurrently; retry the registration")

    def _create(self, did: str, credential: Credential, now: str, *, name: str | None,
                identity_type: IdentityType, metadata: dict[str, Any]) -> Identity:
        roles = (Role.ADMIN.value,) if did in self._settings.bootstrap_admins else ()
        identity = Identity(
            did=did, identity_id=str(uuid.uuid4()), name=name or did, type=identity_type,
            status=IdentityStatus.ACTIVE, roles=roles, metadata=metadata,
            created_at=now, updated_at=now)
        # Registering proves nothing about who holds the key (the key is public), so the event
        # is not attributed to the DID; its first signed action is.
        identity, event = record_change(
            None, identity, event_type="identity.registered", actor=ANONYMOUS, at=now,
            data={"identity": identity.profile(), "credential": credential.to_json()})
        self._identities.create(identity, credential, event)
        return replace(identity, credentials=(credential,))

    def _add_key(self, existing: Identity, credential: Credential, now: str) -> Identity:
        updated, event = record_change(
            existing, replace(existing, updated_at=now), event_type="identity.key_added",
            actor=ANONYMOUS, at=now, data={"credential": credential.to_json()})
        self._identities.add_credential(updated, credential, event, existing.version)
        return replace(updated, credentials=(*existing.credentials, credential))

    # ------------------------------------------------------------ sign-in

    @_reports_failures
    def challenge(self, did: str, source_ip: str) -> IssuedChallenge:
        """A challenge for any well-formed DID: the identity is not read here, so neither the
        answer nor its timing says whether the DID is registered, or suspended. Verification
        refuses an unknown or suspended identity, once the signature shows the key's holder."""
        parse_did(did)
        self._throttle(did, source_ip)
        nonce = new_nonce()
        issued = utc_now()
        expires = issued + timedelta(seconds=self._settings.challenge_ttl_s)
        text = self._challenge_text(did, nonce, iso_utc(issued), iso_utc(expires))
        self._challenges.put(
            StoredChallenge(nonce, did, text, iso_utc(issued), iso_utc(expires), None),
            int(expires.timestamp()))
        return IssuedChallenge(text, nonce, iso_utc(expires))

    @_reports_failures
    def verify(self, did: str, challenge: str, signature: str, source_ip: str) -> IssuedToken:
        parse_did(did)
        self._throttle(did, source_ip)
        stored = self._issued_challenge(did, challenge)
        # The signature first: only the key's holder may learn the identity's state.
        document = self._resolver.resolve(did)
        try:
            method = verify_message_signature(document, challenge, signature)
        except InvalidSignature as error:
            raise InvalidSignature(error.detail, status=401) from error
        # The generation before the status: a suspension (which raises the generation) that
        # lands after this read revokes the token, one that lands before it is seen below.
        generation = self._identities.sessions(did).generation
        identity = self._active_identity(did)
        if credential_for(method, "").credential_id not in {
                c.credential_id for c in identity.credentials}:
            raise Unauthorized(f"the key {method.id} is not registered for this identity")
        self._challenges.consume(stored.nonce, challenge, iso_utc(utc_now()))
        return self._tokens.issue(did, list(identity.roles), generation)

    def _issued_challenge(self, did: str, challenge: str) -> StoredChallenge:
        match = NONCE_LINE.search(challenge)
        if match is None:
            raise ChallengeMismatch("the challenge was not issued by this service")
        stored = self._challenges.get(match.group(1))
        if stored is None:
            raise ChallengeNotFound("no such challenge: request a new one")
        if stored.did != did or stored.challenge != challenge:
            raise ChallengeMismatch("the challenge differs from the one issued for this DID")
        if stored.consumed_at is not None:
            raise ChallengeUsed("this challenge has already been used to sign in")
        if utc_now() >= parse_iso(stored.expires_at):
            raise ChallengeExpired(f"the challenge expired at {stored.expires_at}")
        return stored

    def _active_identity(self, did: str) -> Identity:
        identity = self._identities.get(did)
        if identity is None:
            raise IdentityNotFound("register the DID before signing in")
        if identity.status == IdentityStatus.SUSPENDED:
            raise IdentitySuspended("this identity is suspended and cannot sign in")
        if identity.status != IdentityStatus.ACTIVE:
            raise Forbidden(f"this identity is {identity.status.value}")
        return identity

    def _throttle(self, did: str, source_ip: str) -> None:
        """Per DID *from an address*, and per address. A bucket per DID alone would let
        anyone lock any DID (an admin's, say) out of sign-in by spending its tokens."""
        s = self._settings
        self._take(f"signin:did:{did}:ip:{source_ip}", s.signin_burst, s.signin_per_minute)
        self._take(f"signin:ip:{source_ip}", s.signin_ip_burst, s.signin_ip_per_minute)

    def _take(self, bucket: str, burst: int, per_minute: int) -> None:
        outcome = self._rate_limits.take(bucket, burst=burst, per_minute=per_minute)
        if not outcome.allowed:
            raise RateLimited("too many attempts; slow down", retry_after=outcome.retry_after_s)

    def _challenge_text(self, did: str, nonce: str, issued: str, expires: str) -> str:
        address = ethereum_address_of(did)
        if address is not None:
            return SiweMessage(
                domain=self._settings.siwe_domain, address=address, statement=STATEMENT,
                uri=self._settings.siwe_uri, version="1", chain_id=self._settings.chain_id,
                nonce=nonce, issued_at=issued, expiration_time=expires, not_before=None,
                request_id=None, resources=(), scheme=None).to_text()
        return (f"{self._settings.siwe_domain} wants you to sign in with your DID:\n{did}\n\n"
                f"{STATEMENT}\n\nURI: {self._settings.siwe_uri}\nVersion: 1\nNonce: {nonce}\n"
                f"Issued At: {issued}\nExpiration Time: {expires}")


def credential_for(method: VerificationMethod, created_at: str) -> Credential:
    """The credential that records ``method``'s key; its id is stable for the same key."""
    if method.key_kind == "ed25519":
        kind, value = "ed25519_public_key", method.ed25519_public_key.hex()
    else:
        kind, value = "ethereum_address", method.eth_address
    credential_id = hashlib.sha256(f"{kind}:{value.lower()}".encode()).hexdigest()[:32]
    return Credential(credential_id, kind, value, method.id, created_at)
