import { base58 } from "@scure/base";

// Multicodec ed25519-pub (0xed) as an unsigned varint, then the 32-byte key (did:key spec).
const ED25519_PREFIX = Uint8Array.of(0xed, 0x01);
const ED25519_KEY_LENGTH = 32;

/** did:key of an Ed25519 public key: "did:key:z" + base58btc(multicodec prefix + key). */
export function didKeyFromEd25519(publicKey: Uint8Array): string {
  if (publicKey.length !== ED25519_KEY_LENGTH) {
    throw new RangeError(`an Ed25519 public key is 32 bytes, not ${publicKey.length}`);
  }
  const multikey = new Uint8Array(ED25519_PREFIX.length + publicKey.length);
  multikey.set(ED25519_PREFIX);
  multikey.set(publicKey, ED25519_PREFIX.length);
  return `did:key:z${base58.encode(multikey)}`;
}

/** The Ed25519 public key a did:key names, or null when it names no Ed25519 key. */
export function ed25519FromDidKey(did: string): Uint8Array | null {
  const match = /^did:key:z([1-9A-HJ-NP-Za-km-z]+)$/.exec(did);
  if (!match?.[1]) return null;
  let multikey: Uint8Array;
  try {
    multikey = base58.decode(match[1]);
  } catch {
    return null;
  }
  if (multikey.length !== ED25519_PREFIX.length + ED25519_KEY_LENGTH
    || multikey[0] !== ED25519_PREFIX[0] || multikey[1] !== ED25519_PREFIX[1]) return null;
  return multikey.slice(ED25519_PREFIX.length);
}
