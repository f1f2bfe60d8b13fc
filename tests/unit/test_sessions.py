"""The sessions record's rules (cms.domain.sessions): what it refuses, what it keeps, and for
how long it must be kept."""

from __future__ import annotations

import pytest

from cms.domain.sessions import SessionPolicy, Sessions

POLICY = SessionPolicy(token_ttl_s=900, leeway_s=5, max_revoked=3)
NOW = 1_800_000_000.0


def test_an_empty_record_refuses_nothing():
    assert Sessions().refusal(0, "any") is None


def test_a_logged_out_token_is_refused_and_only_it():
    record = Sessions().with_token_revoked("a", int(NOW) + 600, now=NOW, policy=POLICY)
    assert record.refusal(0, "a") == "this token was logged out"
    assert record.refusal(0, "b") is None


def test_revoking_all_refuses_every_earlier_generation_and_no_later_one():
    record = Sessions().with_all_revoked(now=NOW, policy=POLICY)
    assert record.refusal(0, "a") is not None
    assert record.refusal(record.generation, "b") is None  # a token issued afterwards


def test_the_generation_only_grows_even_if_the_clock_goes_back():
    first = Sessions().with_all_revoked(now=NOW, policy=POLICY)
    second = first.with_all_revoked(now=NOW - 3600, policy=POLICY)
    assert second.generation == first.generation + 1


def test_the_generation_keeps_growing_after_the_record_expired_and_was_deleted():
    """A deleted record reads as generation 0: tokens issued then carry 0, and the next
    revocation (at a later time) must exceed every generation handed out before."""
    old = Sessions().with_all_revoked(now=NOW, policy=POLICY)
    after_deletion = Sessions().with_all_revoked(now=old.expires_at + 1, policy=POLICY)
    assert after_deletion.generation > old.generation


def test_logged_out_tokens_that_expired_are_dropped():
    record = Sessions().with_token_revoked("old", int(NOW) + 10, now=NOW, policy=POLICY)
    later = NOW + 10 + POLICY.leeway_s + 1
    record = record.with_token_revoked("new", int(later) + 600, now=later, policy=POLICY)
    assert set(record.revoked) == {"new"}


def test_past_the_limit_a_logout_ends_every_session():
    record = Sessions()
    for jti in ("a", "b", "c"):
        record = record.with_token_revoked(jti, int(NOW) + 600, now=NOW, policy=POLICY)
    assert record.generation == 0 and len(record.revoked) == 3
    record = record.with_token_revoked("d", int(NOW) + 600, now=NOW, policy=POLICY)
    assert record.generation > 0 and record.revoked == {}
    assert all(record.refusal(0, jti) for jti in "abcd")


@pytest.mark.parametrize("change", ["logout", "revoke_all"])
def test_the_record_lives_until_every_token_it_refuses_has_expired(change):
    """Its TTL: past it, a token the record refuses is refused by its expiry anyway."""
    exp = int(NOW) + 900
    record = (Sessions().with_token_revoked("a", exp, now=NOW, policy=POLICY)
              if change == "logout" else Sessions().with_all_revoked(now=NOW, policy=POLICY))
    # The latest token it can refuse expires at NOW + TTL; the verifier allows the leeway.
    assert record.expires_at > NOW + POLICY.token_ttl_s + POLICY.leeway_s


def test_records_are_values():
    record = Sessions().with_token_revoked("a", int(NOW) + 600, now=NOW, policy=POLICY)
    with pytest.raises(TypeError):
        record.revoked["b"] = 1  # type: ignore[index]


def test_a_grant_of_a_session_ended_since_is_refused_and_a_later_one_is_not():
    """A grant (a presigned upload form) outlives its request: it is honoured only while the
    session that asked for it stands."""
    ms = int(NOW * 1000)
    ended = Sessions().with_all_revoked(now=NOW, policy=POLICY)
    assert ended.grant_refusal(ms - 1, "a") is not None
    assert ended.grant_refusal(ms, "a") is not None  # the same millisecond: maybe before
    assert ended.grant_refusal(ms + 1, "a") is None
    logged_out = Sessions().with_token_revoked("a", int(NOW) + 600, now=NOW, policy=POLICY)
    assert logged_out.grant_refusal(ms + 1, "a") is not None
    assert logged_out.grant_refusal(ms + 1, "b") is None
    assert Sessions().grant_refusal(0, None) is None
