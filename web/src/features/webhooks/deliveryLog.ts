import { CmsProblem } from "@cms/sdk";
import type { Delivery, DeliveryPage } from "./queries";

/** How often the newest page is read when nothing in it is pending (a new event is all that
 * can change it). */
export const IDLE_POLL_MS = 15_000;

/** When to read a log's newest page again, given the shared live pace (`live`: false in a
 * hidden tab, backed off after failures): never once the webhook is gone (404) or while it is
 * disabled with nothing pending (nothing can change); at the live pace while a delivery is
 * being attempted or the last read failed; slower otherwise. */
export function deliveryPollMs(state: { data?: DeliveryPage; error: unknown }, webhookActive: boolean,
  live: number | false): number | false {
  if (state.error instanceof CmsProblem && state.error.status === 404) return false;
  if (live === false || state.error) return live;
  if (state.data?.items.some((delivery) => delivery.status === "pending")) return live;
  return webhookActive ? Math.max(live, IDLE_POLL_MS) : false;
}

/** The log as shown: each delivery once, in its freshest version (earlier lists win), newest
 * first (a delivery id starts with its creation time, so ids sort by time). */
export function mergeDeliveries(...lists: Delivery[][]): Delivery[] {
  const byId = new Map<string, Delivery>();
  for (const delivery of lists.flat()) if (!byId.has(delivery.id)) byId.set(delivery.id, delivery);
  return [...byId.values()].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}
