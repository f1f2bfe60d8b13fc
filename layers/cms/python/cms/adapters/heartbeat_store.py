"""Heartbeats in DynamoDB (the port: cms.ports.heartbeats.Heartbeats): one item per component
instance, replaced by each report, expiring a day after the last."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cms.adapters.dynamo import unavailable_on_connection_errors
from cms.adapters.tables import HeartbeatRecord
from cms.domain.health import Heartbeat

EXPIRES_AFTER = timedelta(days=1)


class DynamoHeartbeats:
    def beat(self, heartbeat: Heartbeat) -> None:
        record = HeartbeatRecord(heartbeat.component, heartbeat.instance, at=heartbeat.at,
                                 state=dict(heartbeat.state),
                                 ttl=datetime.now(UTC) + EXPIRES_AFTER)
        unavailable_on_connection_errors(record.save)  # no condition: failures are 503s

    def latest(self, component: str, limit: int = 20) -> list[Heartbeat]:
        def read() -> list[Heartbeat]:
            return [Heartbeat(r.component, r.instance, r.at, r.state or {})
                    for r in HeartbeatRecord.query(component, limit=limit)]

        return unavailable_on_connection_errors(read)
