"""Sign-in challenges: stored once, consumed once (conditional update), expired by TTL."""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.exceptions import PutError, UpdateError

from cms.adapters.dynamo import is_lost_condition, unavailable_on_connection_errors
from cms.adapters.tables import ChallengeRecord
from cms.domain.errors import ChallengeUsed, DependencyUnavailable
from cms.ports.sign_in import StoredChallenge

# Keep records a while after expiry so a late replay is reported as expired, not unknown.
TTL_GRACE_S = 3600


class DynamoChallengeStore:
    def put(self, challenge: StoredChallenge, expires_epoch: int) -> None:
        record = ChallengeRecord(
            challenge.nonce, did=challenge.did, challenge=challenge.challenge,
            issued_at=challenge.issued_at, expires_at=challenge.expires_at,
            ttl=datetime.fromtimestamp(expires_epoch + TTL_GRACE_S, UTC))
        try:
            unavailable_on_connection_errors(
                lambda: record.save(condition=ChallengeRecord.nonce.does_not_exist()))
        except PutError as error:
            raise DependencyUnavailable("could not store the challenge") from error

    def get(self, nonce: str) -> StoredChallenge | None:
        def load() -> StoredChallenge | None:
            try:
                r = ChallengeRecord.get(nonce, consistent_read=True)
            except ChallengeRecord.DoesNotExist:
                return None
            return StoredChallenge(r.nonce, r.did, r.challenge, r.issued_at, r.expires_at,
                                   r.consumed_at)

        return unavailable_on_connection_errors(load)

    def consume(self, nonce: str, challenge: str, at: str) -> None:
        """Mark used; exactly one concurrent caller can succeed."""
        record = ChallengeRecord(nonce)
        try:
            unavailable_on_connection_errors(lambda: record.update(
                actions=[ChallengeRecord.consumed_at.set(at)],
                condition=(ChallengeRecord.nonce.exists()
                           & ChallengeRecord.consumed_at.does_not_exist()
                           & (ChallengeRecord.challenge == challenge))))
        except UpdateError as error:
            if is_lost_condition(error):
                raise ChallengeUsed("this challenge has already been used to sign in") from error
            raise DependencyUnavailable("could not consume the challenge") from error
