import { useCallback, useState } from "react";

export interface StoredDraft<T> {
  value: T;
  /** Whether the value came back from storage (unsaved work from an earlier visit). */
  restored: boolean;
  update: (next: T) => void;
  /** Forget the stored copy (after success). */
  clear: () => void;
  /** Forget it and start again from the initial value. */
  reset: () => void;
}

/** A form's state kept in localStorage under `key` (per user and per contract) as the user
 * changes it, so a half-filled form survives a reload, a closed tab or an expired session.
 * Only what the user typed is stored: no tokens, no keys. */
export function useStoredDraft<T extends object>(key: string, initial: T): StoredDraft<T> {
  // What this key held was written by this hook from a T (same origin, same user).
  const [stored] = useState(() => read(key) as T | null);
  const [value, setValue] = useState<T>(stored ?? initial);
  const [restored, setRestored] = useState(stored !== null);
  const update = useCallback((next: T) => {
    setValue(next);
    write(key, next);
  }, [key]);
  const clear = useCallback(() => { localStorage.removeItem(key); }, [key]);
  const reset = useCallback(() => {
    localStorage.removeItem(key);
    setValue(initial);
    setRestored(false);
  }, [key, initial]);
  return { value, restored, update, clear, reset };
}

function read(key: string): unknown {
  try {
    const raw = localStorage.getItem(key);
    return raw ? JSON.parse(raw) as unknown : null;
  } catch {
    return null; // unreadable or unavailable storage: start afresh
  }
}

function write(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Full or unavailable storage: the form still works, only without the safety net.
  }
}

const draftPrefix = (did: string): string => `cms.contract-draft.${did}.`;

export function draftKey(did: string, contractId: string | null): string {
  return `${draftPrefix(did)}${contractId ?? "new"}`;
}

/** Forget every draft `did` left in this browser (at sign-out: the machine may be shared). */
export function forgetDrafts(did: string): void {
  try {
    const prefix = draftPrefix(did);
    const keys = Array.from({ length: localStorage.length }, (_, index) => localStorage.key(index));
    for (const key of keys) if (key?.startsWith(prefix)) localStorage.removeItem(key);
  } catch {
    // Unavailable storage holds no drafts.
  }
}
