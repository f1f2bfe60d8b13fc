import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils";
import { describe, expect, it } from "vitest";
import { didKeyFromEd25519, ed25519FromDidKey, ed25519KeyFromSeed, ed25519Signer, encryptKeyFile,
  KeyFileError, keyFileText, MIN_ITERATIONS, newEd25519Seed, openKeyFile, parseKeyFile,
  plainKeyFile, verifyEd25519, webCryptoHasEd25519, type Ed25519Backend } from "../src/index";

interface PythonKey {
  seed: string; did: string; publicKey: string;
  signIn: { text: string; signature: string };
  contract: { text: string; signature: string };
  plainFile: string; encryptedFile: string;
}
// Written by Python (tests/unit/test_sdk_key_vectors.py checks it still is).
const python = JSON.parse(readFileSync(new URL("./fixtures/python-ed25519.json", import.meta.url), "utf8")) as {
  passphrase: string; keys: PythonKey[];
};
const first = python.keys[0]!;

// The W3C did:key examples and RFC 8032 vectors shared with the Python suite (tests/vectors.py).
const sharedVectors = fileURLToPath(new URL("../../../../shared/vectors/did/vectors.json", import.meta.url));

describe("Ed25519 keys agree with Python", () => {
  it("WebCrypto has Ed25519 here (Node 20, Chromium 156)", async () => {
    expect(await webCryptoHasEd25519()).toBe(true);
  });

  describe.each(["webcrypto", "noble"] as Ed25519Backend[])("with %s", (backend) => {
    it.each(python.keys)("seed $seed gives Python's DID, public key and signatures", async (vector) => {
      const key = await ed25519KeyFromSeed(hexToBytes(vector.seed), { backend });
      expect(key.backend).toBe(backend);
      expect(key.did).toBe(vector.did);
      expect(key.publicKeyHex).toBe(vector.publicKey);
      const signer = ed25519Signer(key);
      expect(await signer.signMessage(vector.signIn.text)).toBe(vector.signIn.signature);
      expect(await signer.signContractMessage(vector.contract.text)).toBe(vector.contract.signature);
    });
  });

  it("verifies Python's signatures and refuses altered ones", async () => {
    const data = utf8ToBytes(first.signIn.text);
    const signature = hexToBytes(first.signIn.signature);
    expect(await verifyEd25519(hexToBytes(first.publicKey), data, signature)).toBe(true);
    signature[0] = (signature[0] ?? 0) ^ 1;
    expect(await verifyEd25519(hexToBytes(first.publicKey), data, signature)).toBe(false);
  });

  it("agrees with the W3C did:key examples and RFC 8032", async () => {
    expect(existsSync(sharedVectors), `test vectors missing: ${sharedVectors}`).toBe(true);
    const shared = JSON.parse(readFileSync(sharedVectors, "utf8")) as {
      did_key: { did: string; type: string; public_key_hex: string }[];
      ed25519_rfc8032: { secret_key_hex: string; public_key_hex: string; message_hex: string;
        signature_hex: string; did_key_computed: string }[];
    };
    for (const vector of shared.did_key.filter((v) => v.type === "Ed25519")) {
      expect(didKeyFromEd25519(hexToBytes(vector.public_key_hex))).toBe(vector.did);
      expect(bytesToHex(ed25519FromDidKey(vector.did) ?? new Uint8Array())).toBe(vector.public_key_hex);
    }
    for (const vector of shared.ed25519_rfc8032) {
      const key = await ed25519KeyFromSeed(hexToBytes(vector.secret_key_hex));
      expect(key.did).toBe(vector.did_key_computed);
      expect(bytesToHex(await key.sign(hexToBytes(vector.message_hex)))).toBe(vector.signature_hex);
    }
  });
});

describe("the Ed25519 signer", () => {
  it("refuses to sign a contract message as a sign-in, and a sign-in as a contract", async () => {
    const signer = ed25519Signer(await ed25519KeyFromSeed(hexToBytes(first.seed)));
    await expect(signer.signMessage(first.contract.text)).rejects.toMatchObject({ reason: "contract-message" });
    await expect(signer.signContractMessage(first.signIn.text)).rejects.toThrow(/prefix/);
  });
});

describe("key files", () => {
  it("opens Python's plain and encrypted files to the same seed", async () => {
    for (const vector of python.keys) {
      expect(bytesToHex(await openKeyFile(parseKeyFile(vector.plainFile)))).toBe(vector.seed);
      const encrypted = parseKeyFile(vector.encryptedFile);
      expect(bytesToHex(await openKeyFile(encrypted, python.passphrase))).toBe(vector.seed);
    }
  });

  it("round-trips a new key through an encrypted file", async () => {
    const seed = newEd25519Seed();
    const file = await encryptKeyFile(seed, "a long passphrase", { iterations: MIN_ITERATIONS });
    const read = parseKeyFile(keyFileText(file));
    expect(read).toEqual(file);
    expect(read.did).toBe((await ed25519KeyFromSeed(seed)).did);
    expect(await openKeyFile(read, "a long passphrase")).toEqual(seed);
  });

  it("round-trips a plain file", async () => {
    const seed = hexToBytes(first.seed);
    const file = await plainKeyFile(seed);
    expect(JSON.parse(keyFileText(file))).toEqual(JSON.parse(first.plainFile));
    expect(await openKeyFile(parseKeyFile(keyFileText(file)))).toEqual(seed);
  });

  it("writes the default 600,000 iterations", async () => {
    const file = await encryptKeyFile(hexToBytes(first.seed), "x");
    expect(file.encrypted.iterations).toBe(600_000);
  });

  it("says a wrong passphrase in words", async () => {
    const file = parseKeyFile(first.encryptedFile);
    await expect(openKeyFile(file, "wrong")).rejects.toMatchObject({
      name: "KeyFileError", reason: "passphrase", message: expect.stringMatching(/passphrase does not open/) as unknown,
    });
    await expect(openKeyFile(file)).rejects.toMatchObject({ reason: "passphrase" });
  });

  it("refuses a plain file whose private key is not its public key's", async () => {
    const other = python.keys[1]!;
    const forged = { ...JSON.parse(first.plainFile) as object, privateKey: other.seed };
    await expect(openKeyFile(parseKeyFile(JSON.stringify(forged)))).rejects.toMatchObject({ reason: "key" });
  });

  const plain = JSON.parse(first.plainFile) as Record<string, unknown>;
  const encrypted = JSON.parse(first.encryptedFile) as Record<string, unknown> & { encrypted: Record<string, unknown> };
  const withEncryption = (changes: Record<string, unknown>) =>
    ({ ...encrypted, encrypted: { ...encrypted.encrypted, ...changes } });

  it.each([
    ["not JSON", "{", "format"],
    ["a list", [], "format"],
    ["another type", { ...plain, type: "jwk" }, "type"],
    ["version 2", { ...plain, version: 2 }, "version"],
    ["version '1'", { ...plain, version: "1" }, "version"],
    ["a DID of another key", { ...plain, did: python.keys[1]!.did }, "did"],
    ["a short public key", { ...plain, publicKey: first.publicKey.slice(2) }, "key"],
    ["a short private key", { ...plain, privateKey: first.seed.slice(2) }, "key"],
    ["an unknown field", { ...plain, comment: "hi" }, "format"],
    ["no private key nor encryption", { ...plain, privateKey: undefined }, "format"],
    ["both a private key and encryption", { ...encrypted, privateKey: first.seed }, "format"],
    ["too few iterations", withEncryption({ iterations: 99_999 }), "iterations"],
    ["too many iterations", withEncryption({ iterations: 10_000_001 }), "iterations"],
    ["fractional iterations", withEncryption({ iterations: 100_000.5 }), "iterations"],
    ["another KDF", withEncryption({ kdf: "scrypt" }), "format"],
    ["another cipher", withEncryption({ cipher: "AES-128-GCM" }), "format"],
    ["a 15-byte salt", withEncryption({ salt: "AAAAAAAAAAAAAAAAAAAA" }), "format"],
    ["a 16-byte IV", withEncryption({ iv: "AAAAAAAAAAAAAAAAAAAAAA" }), "format"],
    ["a ciphertext without its tag", withEncryption({ ciphertext: "A".repeat(43) }), "format"],
    ["a salt that is not base64url", withEncryption({ salt: "!!!!!!!!!!!!!!!!!!!!!!" }), "format"],
    ["an unknown encryption field", withEncryption({ aad: "" }), "format"],
  ] as const)("refuses %s", (_name, value, reason) => {
    let thrown: unknown;
    try {
      parseKeyFile(typeof value === "string" ? value : JSON.stringify(value));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(KeyFileError);
    expect((thrown as KeyFileError).reason).toBe(reason);
  });

  it("refuses to write a file with iterations out of bounds", async () => {
    await expect(encryptKeyFile(hexToBytes(first.seed), "x", { iterations: 1000 }))
      .rejects.toMatchObject({ reason: "iterations" });
  });
});
