"""Quota states in DynamoDB (the port: cms.ports.quotas.QuotaStore): one item per key, its
state as JSON, written on the condition that its version has not moved (optimistic)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime

from pynamodb.exceptions import PutError

from cms.adapters.dynamo import get_or_none, is_lost_condition, unavailable_on_connection_errors
from cms.adapters.tables import QuotaRecord
from cms.domain.engine.quotas import QuotaState
from cms.domain.errors import DependencyUnavailable, RateLimited

ATTEMPTS = 5


class DynamoQuotaStore:
    def change(self, key: str, change: Callable[[QuotaState | None], QuotaState], *,
               keep_s: int) -> QuotaState:
        for _ in range(ATTEMPTS):
            record = get_or_none(QuotaRecord, key)
            state = None if record is None else QuotaState.from_json(json.loads(record.state))
            changed = change(state)
            version = 0 if record is None else int(record.version)
            condition = (QuotaRecord.key.does_not_exist() if record is None
                         else QuotaRecord.version == version)
            updated = QuotaRecord(key, state=json.dumps(changed.to_json(), sort_keys=True),
                                  version=version + 1,
                                  ttl=datetime.fromtimestamp(time.time() + keep_s + 60, UTC))
            try:
                unavailable_on_connection_errors(lambda u=updated, c=condition: u.save(
                    condition=c))
                return changed
            except PutError as error:
                if not is_lost_condition(error):
                    raise DependencyUnavailable("the quota store is unavailable") from error
        # One identity's quota contended this hard is itself a sign of abuse: refuse.
        raise RateLimited("too many concurrent requests against one quota; retry", 1)
