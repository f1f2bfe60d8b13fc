"""What a caller (or the platform) asks to do to a contract."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cms.domain.contracts.content import Content
from cms.domain.contracts.model import Signature
from cms.domain.contracts.ranges import VALIDITY_HORIZON


@dataclass(frozen=True)
class Create:
    contract_id: str
    content: Content
    # How far ahead valid_until may be: the deployment's horizon, never beyond the platform's.
    horizon: timedelta = VALIDITY_HORIZON


@dataclass(frozen=True)
class Update:
    changes: dict[str, Any]
    horizon: timedelta = VALIDITY_HORIZON


@dataclass(frozen=True)
class Submit:
    signing_deadline: datetime | None = None  # default: DEFAULT_SIGNING_WINDOW from now


@dataclass(frozen=True)
class RequestChanges:
    reason: str | None = None


@dataclass(frozen=True)
class Sign:
    signature: Signature
    # The signer's DID document the signature was checked against, recorded with it so that
    # verification later (and offline, from a receipt) uses exactly that document.
    did_document: dict[str, Any]


@dataclass(frozen=True)
class Activate:
    pass


@dataclass(frozen=True)
class Complete:
    pass


@dataclass(frozen=True)
class Terminate:
    reason: str


@dataclass(frozen=True)
class Expire:
    pass


@dataclass(frozen=True)
class AddAttachment:
    """An uploaded file, hashed by the platform, becomes part of the draft's content (and so
    of the digest the parties sign)."""

    attachment: dict[str, Any]


Command = (Create | Update | Submit | RequestChanges | Sign | Activate | Complete | Terminate
           | Expire | AddAttachment)
