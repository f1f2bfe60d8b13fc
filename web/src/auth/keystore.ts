import { encryptKeyFile, isEncryptedKeyFile, openKeyFile, parseKeyFile,
  type EncryptedKeyFile } from "@cms/sdk";
import { createStore, del, set, values } from "idb-keyval";

// Keys live in this browser's IndexedDB, each as the encrypted key file itself: the same bytes
// the user exports, so export needs no passphrase and nothing here is ever in the clear.
const store = createStore("cms-keys", "ed25519");

/** The keys stored in this browser, oldest first. */
export async function storedKeys(): Promise<EncryptedKeyFile[]> {
  const files = await values<string>(store);
  return files.flatMap((text) => {
    try {
      const file = parseKeyFile(text);
      return isEncryptedKeyFile(file) ? [file] : [];
    } catch {
      return []; // A record this version cannot read: never offered, never overwritten.
    }
  });
}

/** The stored key of a DID, as its encrypted file. */
export async function storedKey(did: string): Promise<EncryptedKeyFile | undefined> {
  return (await storedKeys()).find((file) => file.did === did);
}

/** Keeps an encrypted key file (replacing the same DID's). */
export async function storeKey(file: EncryptedKeyFile): Promise<void> {
  await set(file.did, JSON.stringify(file), store);
}

export async function forgetKey(did: string): Promise<void> {
  await del(did, store);
}

/** A seed, encrypted under a passphrase and kept. Returns the stored file. */
export async function storeSeed(seed: Uint8Array, passphrase: string): Promise<EncryptedKeyFile> {
  const file = await encryptKeyFile(seed, passphrase);
  await storeKey(file);
  return file;
}

/** The seed of a stored key (KeyFileError "passphrase" when the passphrase is wrong). */
export async function openStoredKey(did: string, passphrase: string): Promise<Uint8Array> {
  const file = await storedKey(did);
  if (!file) throw new Error(`no key for ${did} is stored in this browser`);
  return openKeyFile(file, passphrase);
}
