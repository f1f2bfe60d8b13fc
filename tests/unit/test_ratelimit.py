from cms.domain.ratelimit import take


def test_a_full_bucket_allows_the_burst_then_refuses_with_retry_after():
    bucket, now = None, 1000.0
    for _ in range(10):
        outcome = take(bucket, now=now, burst=10, per_minute=20)
        assert outcome.allowed
        bucket = outcome.bucket
    refused = take(bucket, now=now, burst=10, per_minute=20)
    assert not refused.allowed and refused.retry_after_s == 3  # 20/min = one token per 3 s


def test_tokens_refill_with_time_up_to_the_burst():
    outcome = take(None, now=0.0, burst=2, per_minute=60)
    outcome = take(outcome.bucket, now=0.0, burst=2, per_minute=60)
    assert not take(outcome.bucket, now=0.5, burst=2, per_minute=60).allowed
    assert take(outcome.bucket, now=1.0, burst=2, per_minute=60).allowed
    assert take(outcome.bucket, now=1e6, burst=2, per_minute=60).bucket.tokens == 1.0

