"""``ContractService``: the contract use cases the handlers and other services call.

It is the three parts together, each in its own module over the same dependencies
(``ContractReads``): reads with the visibility rule (reads.py), lifecycle commands with
optimistic retries (commands.py), and the evidence: verification reports, anchored events
and receipts (verification.py).
"""

from __future__ import annotations

from cms.services.contracts.commands import ContractCommands
from cms.services.contracts.verification import ContractVerification


class ContractService(ContractCommands, ContractVerification):
    """Every contract use case; constructed as ``ContractReads`` is."""
