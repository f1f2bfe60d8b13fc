/**
 * A party's encrypted circuit input, `cms-circuit-input/v1`, made in the browser (or Node) with
 * WebCrypto, byte for byte as the Python SDK makes it (`cms_wire.circuit_inputs`):
 *
 *     MAGIC "CMSCIN01" || ephemeral P-256 point (65, uncompressed) || nonce (12)
 *                      || AES-256-GCM(packed bits) with its 16-byte tag
 *
 * The AES key is ECDH(ephemeral, input key) through HKDF-SHA256 (no salt; info: the format,
 * the ephemeral point, the recipient's point). The AAD is the RFC 8785 JSON of
 * `{format, contract (lower-case), party, circuit_hash}`, so a ciphertext copied to another
 * party, contract or circuit does not open. Only the enclave holds the private key.
 *
 * Key trust: the input is encrypted to whatever `input_public_key` the contract's `circuitInfo`
 * answers. Nothing here checks that an attested enclave (its PCR0) holds the private key, as the
 * Python SDK does not either: a compromised API or a hostile deployer who put its own key in
 * the contract could read the input. Encrypt only to contracts whose deployment you trust.
 *
 * Written on WebCrypto rather than a library: every primitive is a WebCrypto one, so the key
 * material never leaves the platform's crypto and nothing is added to the bundle.
 */
import { base64 } from "@scure/base";
import { canonicalJson } from "../canonical";

export const INPUT_FORMAT = "cms-circuit-input/v1";
const MAGIC = new TextEncoder().encode("CMSCIN01");
const NONCE_BYTES = 12;
const P256 = { name: "ECDH", namedCurve: "P-256" } as const;
/** The widest party input a circuit may declare (`cms_wire.circuits.MAX_PARTY_BITS`). */
export const MAX_PARTY_BITS = 1024;

function checkWidth(width: number): void {
  if (!Number.isInteger(width) || width < 1 || width > MAX_PARTY_BITS) {
    throw new RangeError(`an input is 1 to ${String(MAX_PARTY_BITS)} bits, not ${String(width)}`);
  }
}

/** What the AAD binds a ciphertext to: the contract (lower-case hex), the party, the circuit. */
export function inputAad(contract: string, party: string, circuitHash: string): Uint8Array {
  return canonicalJson({ format: INPUT_FORMAT, contract: contract.toLowerCase(), party,
    circuit_hash: circuitHash });
}

/** Bits into bytes, least significant bit first; unused high bits are zero. */
export function packBits(bits: readonly (boolean | number)[]): Uint8Array {
  const packed = new Uint8Array(Math.ceil(bits.length / 8));
  bits.forEach((bit, index) => {
    if (bit !== 0 && bit !== 1 && bit !== true && bit !== false) {
      throw new RangeError("input bits must be booleans or 0/1");
    }
    if (bit === 1 || bit === true) packed[index >> 3] = (packed[index >> 3] ?? 0) | (1 << (index % 8));
  });
  return packed;
}

/** An unsigned integer as `width` bits, least significant first (the circuits' encoding). */
export function uintBits(value: bigint, width: number): number[] {
  checkWidth(width);
  if (value < 0n || value >= 1n << BigInt(width)) {
    throw new RangeError(`${value.toString()} does not fit in ${String(width)} bits`);
  }
  return Array.from({ length: width }, (_, index) => Number((value >> BigInt(index)) & 1n));
}

/** The exact size of an encrypted input of `bits` bits. */
export function ciphertextSize(bits: number): number {
  return MAGIC.length + 65 + NONCE_BYTES + Math.ceil(bits / 8) + 16;
}

/** The contract's input key (base64 DER SubjectPublicKeyInfo, as `circuitInfo` gives it). */
export async function importInputKey(spkiBase64: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("spki", bytes(base64.decode(spkiBase64)), P256, true, []);
}

/** `bits` encrypted to `recipient`, bound to `aad`, with a fresh ephemeral key and nonce. */
export async function sealInput(recipient: CryptoKey, aad: Uint8Array,
  bits: readonly (boolean | number)[]): Promise<Uint8Array> {
  const ephemeral = await crypto.subtle.generateKey(P256, false, ["deriveBits"]);
  return sealWith(recipient, aad, bits, ephemeral, crypto.getRandomValues(new Uint8Array(NONCE_BYTES)));
}

/** `sealInput` with its randomness given: the shared vectors' seam (module-internal; not
 * exported from the SDK). Never reuse an ephemeral key or a nonce. */
export async function sealWith(recipient: CryptoKey, aad: Uint8Array,
  bits: readonly (boolean | number)[], ephemeral: CryptoKeyPair, nonce: Uint8Array): Promise<Uint8Array> {
  const packed = packBits(bits);
  const point = new Uint8Array(await crypto.subtle.exportKey("raw", ephemeral.publicKey));
  const recipientPoint = new Uint8Array(await crypto.subtle.exportKey("raw", recipient));
  const shared = await crypto.subtle.deriveBits({ name: "ECDH", public: recipient }, ephemeral.privateKey, 256);
  const hkdf = await crypto.subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
  const info = concat(new TextEncoder().encode(INPUT_FORMAT), point, recipientPoint);
  const key = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: bytes(info) }, hkdf,
    { name: "AES-GCM", length: 256 }, false, ["encrypt"]);
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv: bytes(nonce), additionalData: bytes(aad), tagLength: 128 }, key, bytes(packed));
  return concat(MAGIC, point, nonce, new Uint8Array(sealed));
}

/** What `circuitInfo` answers that a party needs to encrypt its input. */
export interface CircuitInfo {
  contract: string;
  circuit_hash: string;
  input_public_key: string;
  parties: readonly { name: string; bits: number }[];
}

/** `value` (an unsigned integer, or the bits themselves, least significant first) encrypted as
 * `party`'s input, from the contract's `circuitInfo` answer: base64 text for `submitInput`. */
export async function encryptFor(info: CircuitInfo, party: string,
  value: bigint | readonly (boolean | number)[]): Promise<string> {
  const width = info.parties.find((entry) => entry.name === party)?.bits;
  if (width === undefined) {
    throw new RangeError(`${party} is not a party of this circuit (${info.parties.map((p) => p.name).join(", ")})`);
  }
  checkWidth(width); // the width comes from the server: bounded before anything is sized by it
  const bits = typeof value === "bigint" ? uintBits(value, width) : value;
  if (bits.length !== width) {
    throw new RangeError(`${party}'s input is ${String(width)} bits, and ${String(bits.length)} were given`);
  }
  const recipient = await importInputKey(info.input_public_key);
  return base64.encode(await sealInput(recipient, inputAad(info.contract, party, info.circuit_hash), bits));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) { out.set(part, offset); offset += part.length; }
  return out;
}

// WebCrypto's types want an ArrayBuffer-backed view (TS 5.9's BufferSource).
function bytes(view: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(view);
}
