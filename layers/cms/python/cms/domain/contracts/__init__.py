"""Contracts and their lifecycle, event-sourced.

``decide`` checks a command against the rules and returns the event to record; ``evolve``
applies a recorded event to the contract; ``record_change`` is the two with the event sealed
into the contract's hash chain in between, the one way a contract changes. The write path
stores its snapshot beside its event in one transaction, and the verifier replays ``evolve``
over the stored events, so the snapshot can never legitimately differ from its history.

The modules, inside out: ``content`` (what the parties agree on, and its digest), ``model``
(the snapshot: status, signatures, roles), ``ranges`` (the dates a contract may have),
``listing`` (the order contracts are listed in, and its cursor), ``commands``, ``errors``,
``rules`` (who may do what from which status), ``decisions`` (``decide``), ``evolution``
(``evolve``, ``replay``) and ``changes`` (``record_change``). Importers outside the package
use the names below.
"""

from cms.domain.contracts.changes import record_change
from cms.domain.contracts.commands import (
    Activate,
    AddAttachment,
    Command,
    Complete,
    Create,
    Expire,
    RequestChanges,
    Sign,
    Submit,
    Terminate,
    Update,
)
from cms.domain.contracts.content import (
    CONTENT_SCHEMA,
    IJSON,
    MAX_CONTENT_BYTES,
    Content,
    content_digest,
)
from cms.domain.contracts.decisions import Decision, decide
from cms.domain.contracts.errors import (
    AlreadySigned,
    InvalidHistory,
    NothingToChange,
    NotYetValid,
    SigningDeadlinePassed,
    ValidityEnded,
)
from cms.domain.contracts.evolution import evolve, replay
from cms.domain.contracts.model import EXPIRABLE, LIVE, Contract, Signature, Status, stream_of
from cms.domain.contracts.ranges import (
    DEFAULT_SIGNING_WINDOW,
    MAX_SIGNING_WINDOW,
    VALIDITY_HORIZON,
)
from cms.domain.contracts.rules import CREATED, RULES, RULES_BY_EVENT, SYSTEM_ACTOR, Rule

__all__ = [
    "CONTENT_SCHEMA",
    "CREATED",
    "DEFAULT_SIGNING_WINDOW",
    "EXPIRABLE",
    "IJSON",
    "LIVE",
    "MAX_CONTENT_BYTES",
    "MAX_SIGNING_WINDOW",
    "RULES",
    "RULES_BY_EVENT",
    "SYSTEM_ACTOR",
    "VALIDITY_HORIZON",
    "Activate",
    "AddAttachment",
    "AlreadySigned",
    "Command",
    "Complete",
    "Content",
    "Contract",
    "Create",
    "Decision",
    "Expire",
    "InvalidHistory",
    "NotYetValid",
    "NothingToChange",
    "RequestChanges",
    "Rule",
    "Sign",
    "Signature",
    "SigningDeadlinePassed",
    "Status",
    "Submit",
    "Terminate",
    "Update",
    "ValidityEnded",
    "content_digest",
    "decide",
    "evolve",
    "record_change",
    "replay",
    "stream_of",
]
