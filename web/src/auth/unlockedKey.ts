import type { Ed25519Key } from "@cms/sdk";
import { useSyncExternalStore } from "react";

// The unlocked Ed25519 key lives here, in this tab's memory only: a reload, sign-out or
// locking forgets it, and with WebCrypto it is a non-extractable CryptoKey (see the SDK).
let current: Ed25519Key | null = null;
const listeners = new Set<() => void>();

function publish(next: Ed25519Key | null): void {
  current = next;
  for (const listener of listeners) listener();
}

export const unlockedKey = {
  get: (): Ed25519Key | null => current,
  /** The unlocked key when it is `did`'s. */
  of: (did: string): Ed25519Key | null => (current?.did === did ? current : null),
  set: (key: Ed25519Key): void => { publish(key); },
  lock: (): void => { publish(null); },
  subscribe: (listener: () => void): (() => void) => {
    listeners.add(listener);
    return () => { listeners.delete(listener); };
  },
};

export function useUnlockedKey(): Ed25519Key | null {
  return useSyncExternalStore(unlockedKey.subscribe, unlockedKey.get, unlockedKey.get);
}
