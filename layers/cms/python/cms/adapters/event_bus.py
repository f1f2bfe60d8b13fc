"""The platform's EventBridge bus: lifecycle events for integrations (webhooks, consumers in
other accounts). Publishing is at least once: a failed entry fails the whole call, and the
audit table's stream delivers the records again."""

from __future__ import annotations

import json
from typing import Any

from cms.adapters.aws import attempt, client
from cms.domain.errors import DependencyUnavailable

SOURCE = "cms.contracts"
MAX_ENTRIES = 10  # PutEvents' limit per call


class EventBus:
    def __init__(self, name: str) -> None:
        self.name = name

    def publish(self, events: list[tuple[str, dict[str, Any]]]) -> None:
        """``events``: (detail type, detail) pairs, published in order."""
        for start in range(0, len(events), MAX_ENTRIES):
            entries = [{"Source": SOURCE, "DetailType": detail_type,
                        "Detail": json.dumps(detail, separators=(",", ":")),
                        "EventBusName": self.name}
                       for detail_type, detail in events[start:start + MAX_ENTRIES]]
            response = attempt("publish events",
                               lambda entries=entries: client("events").put_events(
                                   Entries=entries)) or {}
            if response.get("FailedEntryCount"):
                raise DependencyUnavailable(
                    f"EventBridge refused {response['FailedEntryCount']} of {len(entries)} "
                    "events")
