import { CmsProblem } from "@cms/sdk";
import { describe, expect, it } from "vitest";
import { deliveryPollMs, IDLE_POLL_MS, mergeDeliveries } from "./deliveryLog";
import type { Delivery, DeliveryPage } from "./queries";

function delivery(id: string, status: Delivery["status"] = "succeeded"): Delivery {
  return {
    id, webhook_id: "w", event_id: `e-${id}`, event_type: "contract.signed", status, attempts: 1,
    last_status_code: 204, last_error: null, next_attempt_at: null, created_at: id, updated_at: id,
  };
}
const page = (...items: Delivery[]): DeliveryPage => ({ items, next_cursor: null });
const notFound = new CmsProblem(404, { type: "about:blank", title: "Not found", status: 404, code: "webhook_not_found", detail: "gone", errors: null });

describe("when a delivery log's newest page is read again", () => {
  it("never once the webhook is gone, even on a visible tab", () => {
    expect(deliveryPollMs({ error: notFound, data: page(delivery("a", "pending")) }, true, 3_000)).toBe(false);
  });
  it("never in a hidden tab", () => {
    expect(deliveryPollMs({ error: null, data: page(delivery("a", "pending")) }, true, false)).toBe(false);
  });
  it("at the shared, backed-off pace after a failure", () => {
    expect(deliveryPollMs({ error: new Error("network"), data: undefined }, true, 12_000)).toBe(12_000);
  });
  it("at the live pace while a delivery is pending, even on a disabled webhook (it is given up then)", () => {
    expect(deliveryPollMs({ error: null, data: page(delivery("a", "pending")) }, true, 3_000)).toBe(3_000);
    expect(deliveryPollMs({ error: null, data: page(delivery("a", "pending")) }, false, 3_000)).toBe(3_000);
  });
  it("slowly when nothing is pending, and not at all on a disabled webhook then", () => {
    expect(deliveryPollMs({ error: null, data: page(delivery("a")) }, true, 3_000)).toBe(IDLE_POLL_MS);
    expect(deliveryPollMs({ error: null, data: page(delivery("a")) }, false, 3_000)).toBe(false);
  });
});

describe("the log as shown", () => {
  it("has each delivery once, the freshest version first in the arguments winning, newest first", () => {
    const merged = mergeDeliveries(
      [delivery("2026-12-07T10:03", "succeeded"), delivery("2026-12-07T10:02")],
      [delivery("2026-12-07T10:02", "pending"), delivery("2026-12-07T10:01", "pending")],
      [delivery("2026-12-07T10:00")]);
    expect(merged.map((d) => [d.id, d.status])).toEqual([
      ["2026-12-07T10:03", "succeeded"], ["2026-12-07T10:02", "succeeded"],
      ["2026-12-07T10:01", "pending"], ["2026-12-07T10:00", "succeeded"]]);
  });
});
