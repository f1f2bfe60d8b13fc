/** Tokens last 15 minutes; renewing 2 minutes before leaves time to ask the user when the key
 * is not at hand (a locked key, a wallet that must confirm). */
export const RENEW_BEFORE_MS = 2 * 60_000;

/** The instant (epoch ms) to renew a token that expires at `expiresAt`: `leadMs` before it,
 * or half way to it when less than twice `leadMs` is left. */
export function renewalDueAt(expiresAt: string, now: number = Date.now(),
  leadMs: number = RENEW_BEFORE_MS): number {
  const expiry = Date.parse(expiresAt);
  if (Number.isNaN(expiry)) throw new RangeError(`'${expiresAt}' is not an instant`);
  return Math.max(expiry - leadMs, now + (expiry - now) / 2);
}

export interface RenewalSchedule {
  /** When renewal is due (see renewalDueAt). */
  onDue: () => void;
  /** When the token has expired without having been renewed. */
  onExpired?: () => void;
  leadMs?: number;
  now?: () => number;
}

/** Calls `onDue` when the token should be renewed and `onExpired` when it ends; returns a
 * function that cancels both (call it once a new token is in place, or on sign-out). */
export function scheduleRenewal(expiresAt: string, schedule: RenewalSchedule): () => void {
  const now = schedule.now?.() ?? Date.now();
  const due = renewalDueAt(expiresAt, now, schedule.leadMs);
  const timers = [setTimeout(schedule.onDue, Math.max(0, due - now))];
  if (schedule.onExpired) {
    timers.push(setTimeout(schedule.onExpired, Math.max(0, Date.parse(expiresAt) - now)));
  }
  return () => { timers.forEach(clearTimeout); };
}
