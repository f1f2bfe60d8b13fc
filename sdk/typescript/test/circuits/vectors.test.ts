/** The shared vectors (tests/vectors/circuit_inputs, written by Python's cms_wire): the
 * TypeScript encryption must produce the same bytes from the same key, binding, bits,
 * ephemeral key and nonce. */
import { readFileSync } from "node:fs";
import { base64, hex } from "@scure/base";
import { describe, expect, it } from "vitest";
import { MAX_PARTY_BITS, ciphertextSize, encryptFor, importInputKey, inputAad, packBits, uintBits } from "../../src/circuits";
import { sealWith } from "../../src/circuits/input";

interface Vector {
  name: string; contract: string; party: string; circuit_hash: string; bits: number[];
  aad: string; ephemeral_pkcs8: string; nonce: string; ciphertext: string;
}
const file = JSON.parse(readFileSync(new URL("../../../../tests/vectors/circuit_inputs/vectors.json",
  import.meta.url), "utf8")) as { format: string; recipient_public_key: string; recipient_private_pkcs8: string; vectors: Vector[] };

async function ephemeralPair(pkcs8: string): Promise<CryptoKeyPair> {
  const privateKey = await crypto.subtle.importKey("pkcs8", new Uint8Array(base64.decode(pkcs8)),
    { name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
  // The public half from the private JWK (x, y), as WebCrypto cannot derive it directly.
  const { kty, crv, x, y } = await crypto.subtle.exportKey("jwk", privateKey);
  const publicKey = await crypto.subtle.importKey("jwk", { kty, crv, x, y }, { name: "ECDH", namedCurve: "P-256" }, true, []);
  return { privateKey, publicKey };
}

describe("cms-circuit-input/v1 against the Python vectors", () => {
  it("has vectors", () => { expect(file.vectors.length).toBeGreaterThanOrEqual(4); });

  it.each(file.vectors.map((v) => [v.name, v] as const))("%s: same AAD, same ciphertext", async (_name, vector) => {
    expect(new TextDecoder().decode(inputAad(vector.contract, vector.party, vector.circuit_hash))).toBe(vector.aad);
    const recipient = await importInputKey(file.recipient_public_key);
    const sealed = await sealWith(recipient, inputAad(vector.contract, vector.party, vector.circuit_hash),
      vector.bits, await ephemeralPair(vector.ephemeral_pkcs8), hex.decode(vector.nonce));
    expect(base64.encode(sealed)).toBe(vector.ciphertext);
    expect(sealed.length).toBe(ciphertextSize(vector.bits.length));
  });
});

describe("bits", () => {
  it("packs least significant first", () => {
    expect([...packBits([1, 0, 0, 0, 0, 0, 0, 0, 1])]).toEqual([1, 1]);
    expect([...packBits([true, true, false, true])]).toEqual([0b1011]);
  });
  it("refuses what is not a bit", () => { expect(() => packBits([2])).toThrow(RangeError); });
  it("encodes an unsigned integer in its width", () => {
    expect(uintBits(6n, 4)).toEqual([0, 1, 1, 0]);
    expect(() => uintBits(16n, 4)).toThrow(RangeError);
    expect(() => uintBits(-1n, 4)).toThrow(RangeError);
  });
});

describe("encryptFor", () => {
  const info = { contract: "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4", circuit_hash: "ab".repeat(32),
    input_public_key: file.recipient_public_key, parties: [{ name: "alice", bits: 16 }] };
  it("makes a fresh ciphertext of the party's width each time", async () => {
    const [first, second] = await Promise.all([encryptFor(info, "alice", 41_000n), encryptFor(info, "alice", 41_000n)]);
    expect(first).not.toBe(second);
    expect(base64.decode(first).length).toBe(ciphertextSize(16));
  });
  it("refuses a stranger and a value too wide", async () => {
    await expect(encryptFor(info, "mallory", 1n)).rejects.toThrow(/not a party/);
    await expect(encryptFor(info, "alice", 1n << 16n)).rejects.toThrow(RangeError);
  });
  it("refuses a bit array of another length than the party's width", async () => {
    await expect(encryptFor(info, "alice", new Array<number>(15).fill(0))).rejects.toThrow(/16 bits, and 15 were given/);
    await expect(encryptFor(info, "alice", new Array<number>(17).fill(1))).rejects.toThrow(RangeError);
    await expect(encryptFor(info, "alice", [])).rejects.toThrow(RangeError);
    const sealed = await encryptFor(info, "alice", new Array<number>(16).fill(1));
    expect(base64.decode(sealed).length).toBe(ciphertextSize(16));
  });
  it("bounds the width the server declares before sizing anything by it", async () => {
    const huge = { ...info, parties: [{ name: "alice", bits: 2 ** 30 }] };
    await expect(encryptFor(huge, "alice", 1n)).rejects.toThrow(/1 to 1024 bits/);
    await expect(encryptFor({ ...info, parties: [{ name: "alice", bits: 1.5 }] }, "alice", 1n)).rejects.toThrow(RangeError);
    expect(() => uintBits(1n, MAX_PARTY_BITS + 1)).toThrow(RangeError);
    expect(uintBits(1n, MAX_PARTY_BITS)).toHaveLength(MAX_PARTY_BITS);
  });
});
