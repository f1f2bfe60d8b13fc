"""Events function: the audit table's stream (new events only) drives the lifecycle workflow
and publishes every contract event on the platform's EventBridge bus; a contract that ended
or whose party was suspended has its training jobs stopped first (cms.services.wind_down).

A failure raises, and the event source mapping retries the batch (bisecting it to isolate a
bad record); every step is idempotent, so a redelivered record changes nothing twice.
"""

from __future__ import annotations

from typing import Any

from cms.adapters.audit_log import event_from_stream_image
from cms.api.observability import count, instrumented, logger
from cms.runtime import FunctionRuntime

runtime = FunctionRuntime()


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    events = [event_from_stream_image(record["dynamodb"]["NewImage"])
              for record in event.get("Records", [])
              if record.get("eventName") == "INSERT" and "NewImage" in record.get("dynamodb", {})]
    stopped, unusable = runtime.services.wind_down.on_events(events)
    count("TrainingJobsStoppedByContract", stopped)
    published, skipped = runtime.services.lifecycle.on_events(events)
    skipped = sorted(set(skipped) | set(unusable))
    count("LifecycleEventsPublished", published)
    if skipped:
        count("LifecycleEventsSkipped", len(skipped))
        logger.error("unusable audit events skipped (history edited outside the API?)",
                     extra={"event_ids": skipped})
    return {"published": published, "skipped": skipped, "jobs_stopped": stopped}
