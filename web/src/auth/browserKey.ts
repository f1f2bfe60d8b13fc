import { ed25519KeyFromSeed, ed25519Signer, isEncryptedKeyFile, keyFileText, newEd25519Seed,
  openKeyFile, type Ed25519Key, type KeyFile } from "@cms/sdk";
import { openStoredKey, storedKey, storeKey, storeSeed } from "./keystore";
import type { SessionSigner } from "./signer";
import { unlockedKey } from "./unlockedKey";

/** Creates a key in this browser, keeps it encrypted under the passphrase, and unlocks it. */
export async function createBrowserKey(passphrase: string): Promise<Ed25519Key> {
  return withSeed(newEd25519Seed(), async (seed) => {
    await storeSeed(seed, passphrase);
    return unlock(seed);
  });
}

/** Unlocks a stored key (KeyFileError "passphrase" when the passphrase is wrong). */
export async function unlockBrowserKey(did: string, passphrase: string): Promise<Ed25519Key> {
  return withSeed(await openStoredKey(did, passphrase), unlock);
}

/** Imports a key file and unlocks it. An encrypted file is opened with `passphrase` and kept
 * as it is; a plain one is encrypted under `passphrase` first (never stored in the clear). */
export async function importBrowserKey(file: KeyFile, passphrase: string): Promise<Ed25519Key> {
  return withSeed(await openKeyFile(file, passphrase), async (seed) => {
    if (isEncryptedKeyFile(file)) await storeKey(file);
    else await storeSeed(seed, passphrase);
    return unlock(seed);
  });
}

/** A stored key as the text of its encrypted file (no passphrase needed: it is stored so). */
export async function exportBrowserKey(did: string): Promise<string> {
  const file = await storedKey(did);
  if (!file) throw new Error(`no key for ${did} is stored in this browser`);
  return keyFileText(file);
}

/** The session signer over an unlocked key. */
export function browserKeySigner(key: Ed25519Key): SessionSigner {
  const signer = ed25519Signer(key);
  return {
    did: key.did,
    kind: "ed25519",
    signMessage: (text) => signer.signMessage(text),
    signContractMessage: (message) => signer.signContractMessage(message),
    signTypedData: () => Promise.reject(new Error("an Ed25519 key signs contract messages, not EIP-712 data")),
  };
}

async function unlock(seed: Uint8Array): Promise<Ed25519Key> {
  const key = await ed25519KeyFromSeed(seed);
  unlockedKey.set(key);
  return key;
}

// The seed is in the clear only inside `task`; wiped after, whatever happens.
async function withSeed<T>(seed: Uint8Array, task: (seed: Uint8Array) => Promise<T>): Promise<T> {
  try {
    return await task(seed);
  } finally {
    seed.fill(0);
  }
}
