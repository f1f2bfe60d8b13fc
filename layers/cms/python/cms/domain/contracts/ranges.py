"""The ranges a contract's dates must lie in.

Every later computation on them stays within what a timestamp can hold: the signing deadline
(at most ``MAX_SIGNING_WINDOW`` ahead), reminders before the end, and the retention of signed
documents for years after ``valid_until`` (S3 Object Lock, ``cms.domain.contracts.retention``).
A contract ending in the year 9999 would overflow them, and lock its files for ever; one
ending within ``VALIDITY_HORIZON`` never can. A deployment may shorten the horizon
(``Settings.validity_horizon_days``), never lengthen it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
VALIDITY_HORIZON_YEARS = 100
VALIDITY_HORIZON = timedelta(days=36_525)  # 100 years of 365.25 days
DEFAULT_SIGNING_WINDOW = timedelta(days=30)
# The workflow waits for the signatures in one execution, which lives at most a year.
MAX_SIGNING_WINDOW = timedelta(days=360)

VALID_FROM_RANGE = "from 2000-01-01T00:00:00Z on"
VALID_UNTIL_RANGE = ("after valid_from, in the future, and at most the deployment's validity "
                     f"horizon from now (CMS_VALIDITY_HORIZON_DAYS: {VALIDITY_HORIZON.days:,} "
                     f"days, {VALIDITY_HORIZON_YEARS} years, unless shortened; never more)")
SIGNING_DEADLINE_RANGE = (f"in the future, within {MAX_SIGNING_WINDOW.days} days, and no "
                          "later than valid_until")


def validity_errors(valid_from: datetime, valid_until: datetime, now: datetime,
                    horizon: timedelta = VALIDITY_HORIZON) -> list[dict[str, str]]:
    """What is wrong with a validity window as a new or edited contract's (empty: nothing).
    ``horizon``: the deployment's, capped at ``VALIDITY_HORIZON``."""
    errors = []
    horizon = min(horizon, VALIDITY_HORIZON)
    if valid_from < EARLIEST:
        errors.append({"pointer": "/valid_from", "message": f"must be {VALID_FROM_RANGE}"})
    if valid_until <= now:
        errors.append({"pointer": "/valid_until", "message": "must be in the future"})
    elif valid_until - now > horizon:  # a difference of two moments cannot overflow
        errors.append({"pointer": "/valid_until",
                       "message": f"must be at most {horizon.days:,} days from now (the "
                                  f"deployment's validity horizon)"})
    return errors


def signing_deadline_ok(requested: datetime, valid_until: datetime, now: datetime) -> bool:
    return now < requested <= valid_until and requested - now <= MAX_SIGNING_WINDOW
