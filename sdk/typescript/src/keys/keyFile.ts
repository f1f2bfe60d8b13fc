import { base64urlnopad } from "@scure/base";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils";
import { didKeyFromEd25519 } from "../did/didKey";
import { ED25519_SEED_LENGTH, ed25519PublicKeyOfSeed } from "./ed25519";
import { KeyFileError } from "./errors";

/** A key file's kind and version: anything else is refused, so a later format is never
 * misread as this one. */
export const KEY_FILE_TYPE = "cms-ed25519-key";
export const KEY_FILE_VERSION = 1;
/** OWASP's 2023 figure for PBKDF2-HMAC-SHA256; the bounds keep a hostile file from making
 * the browser spin (too many) or from holding a key under a trivially guessable one. */
export const DEFAULT_ITERATIONS = 600_000;
export const MIN_ITERATIONS = 100_000;
export const MAX_ITERATIONS = 10_000_000;
const SALT_LENGTH = 16;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;

export interface KeyFileCommon {
  type: typeof KEY_FILE_TYPE;
  version: typeof KEY_FILE_VERSION;
  /** did:key of the public key. */
  did: string;
  /** The Ed25519 public key, 64 hex digits. */
  publicKey: string;
}

/** The seed in the clear (the demo writes this from Python). */
export interface PlainKeyFile extends KeyFileCommon {
  /** The 32-byte Ed25519 seed, 64 hex digits. */
  privateKey: string;
}

export interface KeyEncryption {
  kdf: "PBKDF2-SHA256";
  iterations: number;
  /** base64url, 16 bytes. */
  salt: string;
  cipher: "AES-256-GCM";
  /** base64url, 12 bytes. */
  iv: string;
  /** base64url: the 32-byte seed encrypted, the 16-byte tag appended. */
  ciphertext: string;
}

/** The seed encrypted under a passphrase. */
export interface EncryptedKeyFile extends KeyFileCommon {
  encrypted: KeyEncryption;
}

export type KeyFile = PlainKeyFile | EncryptedKeyFile;

export function isEncryptedKeyFile(file: KeyFile): file is EncryptedKeyFile {
  return "encrypted" in file;
}

/** Reads a key file strictly: the exact fields, lengths and bounds of version 1, and a DID
 * that names the public key. Whether the seed matches the public key is checked when the
 * file is opened (openKeyFile), since an encrypted seed needs the passphrase. */
export function parseKeyFile(text: string): KeyFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new KeyFileError("format", "this is not a key file: it is not JSON");
  }
  const file = record(value, "this is not a key file: it is not a JSON object");
  if (file.type !== KEY_FILE_TYPE) {
    throw new KeyFileError("type", `this is not a key file: its type is not '${KEY_FILE_TYPE}'`);
  }
  if (file.version !== KEY_FILE_VERSION) {
    throw new KeyFileError("version", `this key file's version (${String(file.version)}) is not one this app reads (${KEY_FILE_VERSION})`);
  }
  const common = {
    type: KEY_FILE_TYPE, version: KEY_FILE_VERSION,
    did: text_(file.did, "did"), publicKey: hex32(file.publicKey, "publicKey"),
  } as const;
  if (didKeyFromEd25519(hexToBytes(common.publicKey)) !== common.did) {
    throw new KeyFileError("did", "the key file's DID does not name its public key");
  }
  if ("privateKey" in file && !("encrypted" in file)) {
    onlyFields(file, ["type", "version", "did", "publicKey", "privateKey"]);
    return { ...common, privateKey: hex32(file.privateKey, "privateKey") };
  }
  onlyFields(file, ["type", "version", "did", "publicKey", "encrypted"]);
  return { ...common, encrypted: encryption(file.encrypted) };
}

/** The seed a key file holds, checked against its public key. An encrypted file needs its
 * passphrase; a wrong one is a KeyFileError with reason "passphrase". */
export async function openKeyFile(file: KeyFile, passphrase?: string): Promise<Uint8Array> {
  let seed: Uint8Array;
  if (isEncryptedKeyFile(file)) {
    if (passphrase === undefined) throw new KeyFileError("passphrase", "this key file is encrypted: its passphrase is needed");
    seed = await decryptSeed(file.encrypted, passphrase);
  } else {
    seed = hexToBytes(file.privateKey);
  }
  if (bytesToHex(await ed25519PublicKeyOfSeed(seed)) !== file.publicKey.toLowerCase()) {
    seed.fill(0);
    throw new KeyFileError("key", "the key file's private key does not belong to its public key");
  }
  return seed;
}

/** A plain key file for a seed (what the demo writes; prefer encryptKeyFile). */
export async function plainKeyFile(seed: Uint8Array): Promise<PlainKeyFile> {
  return { ...(await commonOf(seed)), privateKey: bytesToHex(seed) };
}

/** An encrypted key file for a seed: PBKDF2-SHA256 over the passphrase (NFC, UTF-8) and a
 * random salt gives an AES-256-GCM key; the seed is encrypted under a random IV. */
export async function encryptKeyFile(seed: Uint8Array, passphrase: string,
  options: { iterations?: number } = {}): Promise<EncryptedKeyFile> {
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  checkIterations(iterations);
  const salt = crypto.getRandomValues(new Uint8Array(SALT_LENGTH));
  const iv = crypto.getRandomValues(new Uint8Array(IV_LENGTH));
  const key = await aesKey(passphrase, salt, iterations, "encrypt");
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new Uint8Array(seed)));
  return {
    ...(await commonOf(seed)),
    encrypted: {
      kdf: "PBKDF2-SHA256", iterations, salt: base64urlnopad.encode(salt), cipher: "AES-256-GCM",
      iv: base64urlnopad.encode(iv), ciphertext: base64urlnopad.encode(ciphertext),
    },
  };
}

/** A key file as its text (what a download holds). */
export function keyFileText(file: KeyFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

async function commonOf(seed: Uint8Array): Promise<KeyFileCommon> {
  const publicKey = await ed25519PublicKeyOfSeed(seed);
  return { type: KEY_FILE_TYPE, version: KEY_FILE_VERSION, did: didKeyFromEd25519(publicKey),
    publicKey: bytesToHex(publicKey) };
}

async function decryptSeed(encrypted: KeyEncryption, passphrase: string): Promise<Uint8Array> {
  const salt = base64url(encrypted.salt, "salt", SALT_LENGTH);
  const iv = base64url(encrypted.iv, "iv", IV_LENGTH);
  const ciphertext = base64url(encrypted.ciphertext, "ciphertext", ED25519_SEED_LENGTH + TAG_LENGTH);
  const key = await aesKey(passphrase, salt, encrypted.iterations, "decrypt");
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv }, key, ciphertext));
  } catch {
    // GCM cannot tell a wrong passphrase from an altered file: both fail the tag.
    throw new KeyFileError("passphrase", "the passphrase does not open this key (or the file was altered)");
  }
}

async function aesKey(passphrase: string, salt: Uint8Array<ArrayBuffer>, iterations: number,
  use: "encrypt" | "decrypt"): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey("raw",
    new TextEncoder().encode(passphrase.normalize("NFC")), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt, iterations },
    material, { name: "AES-GCM", length: 256 }, false, [use]);
}

function encryption(value: unknown): KeyEncryption {
  const encrypted = record(value, "the key file's 'encrypted' is not an object");
  onlyFields(encrypted, ["kdf", "iterations", "salt", "cipher", "iv", "ciphertext"]);
  if (encrypted.kdf !== "PBKDF2-SHA256") throw new KeyFileError("format", "the key file's kdf is not PBKDF2-SHA256");
  if (encrypted.cipher !== "AES-256-GCM") throw new KeyFileError("format", "the key file's cipher is not AES-256-GCM");
  const { iterations } = encrypted;
  if (typeof iterations !== "number") throw new KeyFileError("iterations", "the key file's iterations is not a number");
  checkIterations(iterations);
  const salt = text_(encrypted.salt, "salt");
  const iv = text_(encrypted.iv, "iv");
  const ciphertext = text_(encrypted.ciphertext, "ciphertext");
  base64url(salt, "salt", SALT_LENGTH);
  base64url(iv, "iv", IV_LENGTH);
  base64url(ciphertext, "ciphertext", ED25519_SEED_LENGTH + TAG_LENGTH);
  return { kdf: "PBKDF2-SHA256", iterations, salt, cipher: "AES-256-GCM", iv, ciphertext };
}

function checkIterations(iterations: number): void {
  if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
    throw new KeyFileError("iterations",
      `the key file's iterations (${iterations}) must be a whole number from ${MIN_ITERATIONS} to ${MAX_ITERATIONS}`);
  }
}

function record(value: unknown, message: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new KeyFileError("format", message);
  return value as Record<string, unknown>;
}

function onlyFields(value: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(value).filter((name) => !allowed.includes(name));
  if (unknown.length) throw new KeyFileError("format", `the key file has fields this version does not know: ${unknown.join(", ")}`);
  const missing = allowed.filter((name) => !(name in value));
  if (missing.length) throw new KeyFileError("format", `the key file lacks ${missing.join(", ")}`);
}

function text_(value: unknown, name: string): string {
  if (typeof value !== "string") throw new KeyFileError("format", `the key file's ${name} is not a string`);
  return value;
}

function hex32(value: unknown, name: string): string {
  const text = text_(value, name);
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new KeyFileError("key", `the key file's ${name} is not 64 hex digits`);
  return text.toLowerCase();
}

// base64url as Python's urlsafe_b64encode writes it (padded) or without padding.
function base64url(value: string, name: string, length: number): Uint8Array<ArrayBuffer> {
  let decoded: Uint8Array;
  try {
    decoded = base64urlnopad.decode(value.replace(/={1,2}$/, ""));
  } catch {
    throw new KeyFileError("format", `the key file's ${name} is not base64url`);
  }
  if (decoded.length !== length) {
    throw new KeyFileError("format", `the key file's ${name} is ${decoded.length} bytes, not ${length}`);
  }
  return new Uint8Array(decoded);
}
