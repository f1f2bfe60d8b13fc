import { base64urlnopad } from "@scure/base";
import { bytesToHex } from "@noble/hashes/utils";
import { didKeyFromEd25519 } from "../did/didKey";

export const ED25519_SEED_LENGTH = 32;

/** An Ed25519 key ready to sign. With WebCrypto the private half is a non-extractable
 * CryptoKey: script that gets into the page later can ask it to sign, but cannot copy it. */
export interface Ed25519Key {
  readonly did: string;
  readonly publicKey: Uint8Array;
  /** The public key as 64 lower-case hex digits (how the server registers it). */
  readonly publicKeyHex: string;
  readonly backend: Ed25519Backend;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** WebCrypto's Ed25519 (Chromium 137+, Firefox 129+, Safari 17+, Node 20), or @noble/curves
 * where the browser lacks it. */
export type Ed25519Backend = "webcrypto" | "noble";

// PKCS #8 wrapping of a 32-byte Ed25519 seed (RFC 8410): WebCrypto imports private keys only so.
const PKCS8_PREFIX = Uint8Array.of(
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20);
const ED25519 = { name: "Ed25519" } as const;

/** 32 random bytes from the platform's CSPRNG: a new key's seed. */
export function newEd25519Seed(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(ED25519_SEED_LENGTH));
}

let webCryptoSupport: Promise<boolean> | undefined;

/** Whether this platform's WebCrypto signs with Ed25519 (asked once). */
export function webCryptoHasEd25519(): Promise<boolean> {
  webCryptoSupport ??= crypto.subtle.generateKey(ED25519, false, ["sign", "verify"])
    .then(() => true, () => false);
  return webCryptoSupport;
}

/** The key a seed gives. The caller may wipe the seed afterwards (the WebCrypto key keeps no
 * reference to it). */
export async function ed25519KeyFromSeed(seed: Uint8Array,
  options: { backend?: Ed25519Backend } = {}): Promise<Ed25519Key> {
  checkSeed(seed);
  const backend = options.backend ?? (await webCryptoHasEd25519() ? "webcrypto" : "noble");
  return backend === "webcrypto" ? webCryptoKey(seed) : nobleKey(seed);
}

/** The public key of a seed. */
export async function ed25519PublicKeyOfSeed(seed: Uint8Array): Promise<Uint8Array> {
  return (await ed25519KeyFromSeed(seed)).publicKey;
}

/** Whether `signature` is `publicKey`'s Ed25519 signature over `data`. */
export async function verifyEd25519(publicKey: Uint8Array, data: Uint8Array,
  signature: Uint8Array): Promise<boolean> {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  if (await webCryptoHasEd25519()) {
    try {
      const key = await crypto.subtle.importKey("raw", bytes(publicKey), ED25519, false, ["verify"]);
      return await crypto.subtle.verify(ED25519, key, bytes(signature), bytes(data));
    } catch {
      return false;
    }
  }
  const { ed25519 } = await nobleEd25519();
  try {
    return ed25519.verify(signature, data, publicKey);
  } catch {
    return false;
  }
}

// The fallback is fetched only where WebCrypto lacks Ed25519, so browsers that have it never
// download it.
function nobleEd25519() {
  return import("@noble/curves/ed25519");
}

async function webCryptoKey(seed: Uint8Array): Promise<Ed25519Key> {
  const pkcs8 = new Uint8Array(PKCS8_PREFIX.length + seed.length);
  pkcs8.set(PKCS8_PREFIX);
  pkcs8.set(seed, PKCS8_PREFIX.length);
  try {
    // Extractable once, only to read the public half (WebCrypto cannot derive it otherwise)...
    const readable = await crypto.subtle.importKey("pkcs8", pkcs8, ED25519, true, ["sign"]);
    const jwk = await crypto.subtle.exportKey("jwk", readable);
    if (!jwk.x) throw new TypeError("WebCrypto exported an Ed25519 key without its public half");
    // ...then held non-extractable for signing.
    const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, ED25519, false, ["sign"]);
    return keyOf(base64urlnopad.decode(jwk.x), "webcrypto",
      async (data) => new Uint8Array(await crypto.subtle.sign(ED25519, privateKey, bytes(data))));
  } finally {
    pkcs8.fill(0);
  }
}

async function nobleKey(seed: Uint8Array): Promise<Ed25519Key> {
  const { ed25519 } = await nobleEd25519();
  const privateSeed = seed.slice();
  return keyOf(ed25519.getPublicKey(privateSeed), "noble",
    (data) => Promise.resolve(ed25519.sign(data, privateSeed)));
}

function keyOf(publicKey: Uint8Array, backend: Ed25519Backend,
  sign: (data: Uint8Array) => Promise<Uint8Array>): Ed25519Key {
  return {
    did: didKeyFromEd25519(publicKey),
    publicKey,
    publicKeyHex: bytesToHex(publicKey),
    backend,
    sign,
  };
}

function checkSeed(seed: Uint8Array): void {
  if (seed.length !== ED25519_SEED_LENGTH) {
    throw new RangeError(`an Ed25519 seed is ${ED25519_SEED_LENGTH} bytes, not ${seed.length}`);
  }
}

// WebCrypto's types want an ArrayBuffer-backed view (TS 5.9 tells them apart).
function bytes(data: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(data);
}
