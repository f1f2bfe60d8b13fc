import { useSyncExternalStore } from "react";
import type { Webhook, WebhookWithSecret } from "./queries";

export interface ShownSecret {
  /** Whose it is: shown only while this identity is signed in. */
  ownerDid: string;
  webhookId: string;
  url: string;
  secret: string;
  /** Why it is shown: a new webhook, or a rotation of an existing one's secret. */
  cause: "registered" | "rotated";
}

// In memory only (never stored): the secret must outlive the component that asked for it (a
// card or form that unmounts mid-request would otherwise drop an answer the server has
// already acted on), and be gone on reload or once the user has dismissed it.
type Listener = () => void;
const listeners = new Set<Listener>();
let shown: ShownSecret | null = null;

function set(next: ShownSecret | null) {
  shown = next;
  listeners.forEach((listener) => { listener(); });
}

/** Keep the secret of an API answer for the screen to show, and give back the webhook without
 * it: what a mutation caches then never holds the secret. */
export function revealSecret(answer: WebhookWithSecret, ownerDid: string, cause: ShownSecret["cause"]): Webhook {
  const { secret, ...webhook } = answer;
  set({ ownerDid, webhookId: webhook.id, url: webhook.url, secret, cause });
  return webhook;
}

export function dismissSecret() { set(null); }

/** The secret waiting to be seen by `did`, if any. */
export function useShownSecret(did: string | undefined): ShownSecret | null {
  const current = useSyncExternalStore((listener) => {
    listeners.add(listener);
    return () => { listeners.delete(listener); };
  }, () => shown);
  return current && current.ownerDid === did ? current : null;
}
