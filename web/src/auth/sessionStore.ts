import { useSyncExternalStore } from "react";

/** A signed-in identity in this tab: the API's access token and what signed in. */
export interface Session {
  did: string;
  token: string;
  /** ISO 8601 instant the token stops working. */
  expiresAt: string;
  keyKind: "ethereum" | "ed25519";
}

// Per tab (sessionStorage): a reload keeps the session, closing the tab ends it, and another
// tab signs in on its own. The strict CSP (scripts from this origin only) guards it from XSS.
const STORAGE_KEY = "cms.session";
// Set when the API refused the session (signed out everywhere, suspended, expired), so that
// sign-in can say why the user landed there; cleared by the next sign-in.
const ENDED_KEY = "cms.session-ended";
type Listener = () => void;
const listeners = new Set<Listener>();
let current: Session | null = read();

function read(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Session;
    return Date.parse(session.expiresAt) > Date.now() ? session : null;
  } catch {
    return null;
  }
}

function publish(next: Session | null): void {
  current = next;
  if (next) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  else sessionStorage.removeItem(STORAGE_KEY);
  for (const listener of listeners) listener();
}

export const sessionStore = {
  get: (): Session | null => current,
  /** The token, while it has not expired. */
  token: (): string | undefined =>
    current && Date.parse(current.expiresAt) > Date.now() ? current.token : undefined,
  set: (session: Session): void => { sessionStorage.removeItem(ENDED_KEY); publish(session); },
  clear: (): void => { publish(null); },
  /** The API refused the session: clear it and remember to tell the user at sign-in. */
  end: (): void => { sessionStorage.setItem(ENDED_KEY, "1"); publish(null); },
  /** Whether the last session ended because the API refused it. */
  endedByServer: (): boolean => sessionStorage.getItem(ENDED_KEY) === "1",
  subscribe: (listener: Listener): (() => void) => {
    listeners.add(listener);
    return () => { listeners.delete(listener); };
  },
};

export function useSession(): Session | null {
  return useSyncExternalStore(sessionStore.subscribe, sessionStore.get, sessionStore.get);
}
