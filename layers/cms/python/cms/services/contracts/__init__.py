"""Contract use cases: visibility, lifecycle commands with optimistic retries, verification.

``ContractService`` (service.py) combines reads.py, commands.py and verification.py; importers
outside the package use the names below.
"""

from cms.services.contracts.commands import MAX_ATTEMPTS, ConcurrentChanges
from cms.services.contracts.service import ContractService
from cms.services.contracts.verification import MAX_RECEIPT_BYTES

__all__ = ["MAX_ATTEMPTS", "MAX_RECEIPT_BYTES", "ConcurrentChanges", "ContractService"]
