"""How long a signed contract's files are kept under S3 Object Lock, and in which mode.

The files (the rendered document and the attachments) are locked once every party has signed,
until the end of validity plus the deployment's retention period. Both terms are bounded, so
the date is always one S3 accepts and nobody is ever left with storage no one can delete:

- the end is ``valid_until``, but never later than ``VALIDITY_HORIZON`` after the last
  signature (a contract made before the horizon existed may end in the year 9999; its files
  are then kept as long as any contract's may be, not until then, and the sum cannot
  overflow);
- the retention period is at most ``MAX_RETENTION``.

So a lock ends at most 200 years after signing, whatever a stored contract says.

Mode: GOVERNANCE, chosen over COMPLIANCE. Both refuse every delete and overwrite of the
version before the date, to the application's roles and to a compromised function alike.
COMPLIANCE also binds the account root and cannot be shortened or lifted by anyone: the
parties, who choose the dates, could make storage no operator can ever remove (not for a
court order, an erasure request, or abuse). GOVERNANCE lets a principal holding
``s3:BypassGovernanceRetention`` lift a lock; no role of the platform holds it, and the
documents bucket's policy denies it to every principal, so lifting one takes a deliberate,
logged change of the bucket policy by the account's administrators (docs/operations.md). The
integrity of what was signed does not rest on the lock: every file's SHA-256 is in the signed
digest and the events are anchored on chain, so a missing or changed file is detected.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cms.domain.canonical import parse_iso
from cms.domain.contracts.model import Contract
from cms.domain.contracts.ranges import VALIDITY_HORIZON

LOCK_MODES = ("GOVERNANCE", "COMPLIANCE")
LOCK_MODE = "GOVERNANCE"
MAX_RETENTION = timedelta(days=36_525)  # 100 years past the end


def fully_signed(contract: Contract) -> bool:
    """Every party signed the frozen digest: its files are what the parties signed (a contract
    that ended in review, or was terminated as a draft, is not)."""
    signers = {signature.signer_did for signature in contract.signatures
               if signature.digest == contract.digest}
    return contract.digest is not None and signers >= set(contract.parties)


def retention_until(contract: Contract, retention: timedelta, now: datetime) -> datetime:
    """When the lock on a fully signed contract's files ends (see the module's docstring).
    ``now`` bounds a signing time in the future (a record edited outside the API)."""
    if not fully_signed(contract):
        raise ValueError("only a fully signed contract's files are kept")
    signed = min(max(parse_iso(s.signed_at) for s in contract.signatures), now)
    end = min(parse_iso(contract.content.valid_until), signed + VALIDITY_HORIZON)
    return end + min(retention, MAX_RETENTION)
