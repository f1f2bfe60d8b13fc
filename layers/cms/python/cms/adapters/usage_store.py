"""Storage usage in DynamoDB (the port: cms.ports.usage).

A charge is one transaction: the object's item is put on the condition that it is new, and the
owner's totals grow on the condition that they stay within both limits (DynamoDB conditions
cannot add, so the limits are lowered by the charge instead). Concurrent charges therefore
cannot pass a quota together, and a retried one counts nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from cms.adapters.dynamo import (
    cancellation_codes,
    connection,
    get_or_none,
    response_code,
)
from cms.adapters.tables import StorageUsageRecord
from cms.domain.errors import DependencyUnavailable
from cms.ports.errors import WriteConflict
from cms.ports.usage import QuotaExceeded, Usage

TOTAL = "#total"


class DynamoStorageUsage:
    def usage(self, owner: str) -> Usage:
        record = get_or_none(StorageUsageRecord, owner, TOTAL)
        if record is None:
            return Usage(0, 0)
        return Usage(int(record.objects or 0), int(record.total_bytes or 0))

    def charge(self, owner: str, item: str, size: int, *, max_objects: int,
               max_bytes: int) -> bool:
        if max_objects < 1 or size > max_bytes:
            # No charge fits (the conditions below would let a first one through): refused,
            # unless the item was counted before (a retry after the limits were lowered).
            if get_or_none(StorageUsageRecord, owner, item) is not None:
                return False
            raise QuotaExceeded(owner, self.usage(owner))
        counted = StorageUsageRecord(owner, item, size=size)
        totals = StorageUsageRecord(owner, TOTAL)
        within = (StorageUsageRecord.objects.does_not_exist()
                  | ((StorageUsageRecord.objects <= max_objects - 1)
                     & (StorageUsageRecord.total_bytes <= max_bytes - size)))
        codes = self._write(lambda tx: (
            tx.save(counted, condition=StorageUsageRecord.item.does_not_exist()),
            tx.update(totals, actions=[StorageUsageRecord.objects.add(1),
                                       StorageUsageRecord.total_bytes.add(size)],
                      condition=within)))
        if not codes:
            return True
        if codes[0] == "ConditionalCheckFailed":
            return False  # counted before: a retried registration
        if codes[1] == "ConditionalCheckFailed":
            raise QuotaExceeded(owner, self.usage(owner))
        raise WriteConflict(str(codes))  # a concurrent charge: the caller's retry decides

    def refund(self, owner: str, item: str) -> None:
        counted = get_or_none(StorageUsageRecord, owner, item)
        if counted is None:
            return
        size = int(counted.size or 0)
        codes = self._write(lambda tx: (
            tx.delete(counted, condition=StorageUsageRecord.item.exists()),
            tx.update(StorageUsageRecord(owner, TOTAL),
                      actions=[StorageUsageRecord.objects.add(-1),
                               StorageUsageRecord.total_bytes.add(-size)])))
        if codes and codes[0] != "ConditionalCheckFailed":  # refunded meanwhile: done
            raise WriteConflict(str(codes))

    @staticmethod
    def _write(writes: Callable[[TransactWrite], object]) -> list[str | None]:
        """Run one transaction; the cancellation codes if it was cancelled, else []."""
        try:
            with TransactWrite(connection=connection()) as tx:
                writes(tx)
        except TransactWriteError as error:
            codes = cancellation_codes(error)
            if codes:
                return codes
            if response_code(error) == "TransactionConflictException":
                raise WriteConflict("concurrent usage change") from error
            raise DependencyUnavailable("the database rejected the transaction") from error
        return []
