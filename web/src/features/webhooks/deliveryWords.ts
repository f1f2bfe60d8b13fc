import type { Delivery } from "./queries";

/** A delivery's status in words and colour. */
export const DELIVERY_STATUS: Record<Delivery["status"], { label: string; color: string; meaning: string }> = {
  pending: { label: "Pending", color: "yellow", meaning: "being attempted" },
  succeeded: { label: "Succeeded", color: "green", meaning: "the receiver answered 2xx" },
  dead: { label: "Dead", color: "red", meaning: "every attempt failed or the webhook was disabled; it can be redelivered" },
};

/** Why a delivery cannot be sent again now, or null if it can (as the API decides it). */
export function redeliverBlocked(delivery: Delivery, webhookActive: boolean): string | null {
  if (!webhookActive) return "Enable the webhook to redeliver.";
  if (delivery.status === "pending") return "Still being attempted.";
  return null;
}
