import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils";
import canonicalize from "canonicalize";

/** RFC 8785 (JCS) canonical UTF-8 bytes of a JSON value, as the server hashes it. */
export function canonicalJson(value: unknown): Uint8Array {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError("the value has no JSON form");
  return utf8ToBytes(text);
}

/** Lower-case hex SHA-256. */
export function sha256Hex(data: Uint8Array): string {
  return bytesToHex(sha256(data));
}

/** Lower-case hex SHA-256 of the canonical JSON of a value (the server's `digest_of`). */
export function digestOf(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
