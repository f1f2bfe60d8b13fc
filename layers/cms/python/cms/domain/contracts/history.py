"""How much history a contract may accumulate: its receipt must always be obtainable.

A receipt (``cms.domain.receipts``) carries every event of the contract's chain in one
response, and a response carries at most ``MAX_RECEIPT_BYTES``. Each event is bounded (its
content at most 32 KiB, a reason 2,000 characters, a DID document 32 KiB), so bounding their
number bounds the receipt. What the parties can repeat is the negotiation: the provider edits
a draft, the consumer sends it back. Those steps stop after ``MAX_NEGOTIATION_EVENTS`` events;
what remains possible is bounded by the state machine itself:

- a draft can still be submitted once, a contract in review signed by each party once;
- then activation and one ending (completion, termination or expiry);
- attachments are counted apart: each is one small event, and a draft holds at most
  ``MAX_ATTACHMENTS`` (and the deployment's quota).

So a contract has at most ``MAX_NEGOTIATION_EVENTS + 5`` events besides its attachments (whose
records the 32 KiB content holds anyway), each at most about 36.4 KB in a receipt (32 KiB of
content or DID document, a 2,048-character DID as actor, the envelope, a proof in a batch of
1,000 and its batch): about 3.9 MB in all, inside the 5 MiB a response may carry (the attack
of many largest edits gives 3.4 MB with ordinary DIDs: tests/unit/services/
test_receipt_bounds.py).

The limit is the platform's, not a deployment setting: raising it would break the promise
that every party can always get its receipt. It applies on the write path only; a history
recorded before it existed still replays.
"""

from __future__ import annotations

from cms.domain.contracts.commands import Command, RequestChanges, Update
from cms.domain.contracts.errors import HistoryLimitReached
from cms.domain.contracts.model import Contract
from cms.domain.drafting import attachments_of

MAX_NEGOTIATION_EVENTS = 100
# The steps a party can repeat; Submit, Sign and the endings are bounded by the states.
REPEATABLE = (Update, RequestChanges)


def negotiation_events(contract: Contract) -> int:
    """The contract's events so far, its attachments' aside."""
    return contract.version - len(attachments_of(contract.content.metadata))


def history_exhausted(contract: Contract) -> bool:
    return negotiation_events(contract) >= MAX_NEGOTIATION_EVENTS


def check_history(contract: Contract, command: Command) -> None:
    """HistoryLimitReached if ``command`` is a repeatable step the contract has no room for."""
    if isinstance(command, REPEATABLE) and history_exhausted(contract):
        raise HistoryLimitReached(
            f"this contract has recorded {negotiation_events(contract)} events of "
            f"negotiation, the most a contract may (so that its receipt always fits one "
            f"response): it can still be submitted and signed as it stands, or terminated; "
            f"to negotiate further, start a new contract", limit=MAX_NEGOTIATION_EVENTS)
