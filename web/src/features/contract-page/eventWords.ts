import { eventLabel } from "../../contracts/eventTypes";
import type { PlacedEvent } from "./queries";

export function eventInWords(event: PlacedEvent): string {
  return eventLabel(event.type);
}

/** The one detail worth a line (a reason, what changed, which file), if any. */
export function eventDetail(event: PlacedEvent): string | null {
  const data = event.data;
  if (typeof data.reason === "string") return `Reason: ${data.reason}`;
  if (Array.isArray(data.changed)) return `Changed: ${data.changed.join(", ")}`;
  const attachment = data.attachment;
  if (typeof attachment === "object" && attachment !== null && "name" in attachment && typeof attachment.name === "string") {
    return `File: ${attachment.name}`;
  }
  if (typeof data.signing_deadline === "string") return `Signatures due by ${new Date(data.signing_deadline).toLocaleString()}`;
  return null;
}

export const ANCHOR_WORDS: Record<PlacedEvent["anchor"]["state"], string> = {
  pending: "Queued for anchoring", batched: "Batched; transaction not final yet", anchored: "Anchored on chain",
  unknown: "This deployment has no ledger",
};

/** What changed between two readings of the timeline, as one sentence to announce. */
export function timelineNews(before: PlacedEvent[], after: PlacedEvent[]): string | null {
  const known = new Map(before.map((event) => [event.seq, event]));
  const added = after.filter((event) => !known.has(event.seq));
  const anchored = after.filter((event) => event.anchor.state === "anchored"
    && known.get(event.seq)?.anchor.state !== undefined && known.get(event.seq)?.anchor.state !== "anchored");
  const parts: string[] = [];
  if (added.length) parts.push(`New event${added.length > 1 ? "s" : ""}: ${added.map(eventInWords).join(", ")}.`);
  if (anchored.length) parts.push(`${anchored.length} event${anchored.length > 1 ? "s" : ""} anchored on chain.`);
  return parts.length ? parts.join(" ") : null;
}
