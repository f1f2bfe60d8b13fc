/** RFC 6962 / RFC 9162 inclusion proofs (cms.domain.merkle), checked on untrusted input. */
import { sha256 } from "@noble/hashes/sha2";
import { hexToBytes } from "@noble/hashes/utils";
import { writtenAsFloat, type FloatMembers } from "./strictJson";

export const ALGORITHM = "rfc6962-sha256";
const HEX_HASH = /^[0-9a-f]{64}$/;
const PROOF_KEYS = ["algorithm", "index", "path", "size"];

export interface InclusionProof { index: number; size: number; path: string[] }

const isCount = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value);

/** The proof a receipt holds, or the reason it is unreadable (InclusionProof.from_json). */
export function readProof(data: unknown, floats: FloatMembers): InclusionProof | string {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return "an inclusion proof must be a JSON object";
  const proof = data as Record<string, unknown>;
  if (Object.keys(proof).sort().join() !== PROOF_KEYS.join()) return `inclusion proof keys must be ${JSON.stringify(PROOF_KEYS)}`;
  if (proof.algorithm !== ALGORITHM) return `unknown algorithm, expected '${ALGORITHM}'`;
  if (!Array.isArray(proof.path)) return "path must be a list of hex strings";
  const { index, size, path } = proof;
  // 1.0 is a float to Python, which refuses it here: so must this reading.
  if (!isCount(size) || size < 1 || writtenAsFloat(floats, proof, "size")) return "size must be a positive integer";
  if (!isCount(index) || index < 0 || index >= size || writtenAsFloat(floats, proof, "index")) {
    return `index must be an integer in [0, ${size})`;
  }
  if (!path.every((item) => typeof item === "string" && HEX_HASH.test(item))) return "path element is not 64 lower-case hex characters";
  return { index, size, path: path as string[] };
}

const leafHash = (leaf: Uint8Array) => sha256(Uint8Array.of(0, ...leaf));
const nodeHash = (left: Uint8Array, right: Uint8Array) => sha256(Uint8Array.of(1, ...left, ...right));

/** Whether the proof puts raw ``leaf`` under ``root`` (RFC 9162 §2.1.3.2). The loop ends once
 * the path is longer than the tree is deep, so a hostile path costs at most ~53 hashes. */
export function proofVerifies(proof: InclusionProof, leaf: Uint8Array, root: Uint8Array): boolean {
  // BigInt: indexes reach 2^53, beyond JavaScript's 32-bit bitwise operators.
  let fn = BigInt(proof.index);
  let sn = BigInt(proof.size - 1);
  let r = leafHash(leaf);
  for (const item of proof.path) {
    if (sn === 0n) return false;
    const sibling = hexToBytes(item);
    if (fn & 1n || fn === sn) {
      r = nodeHash(sibling, r);
      while (!(fn & 1n) && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, sibling);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && r.length === root.length && r.every((byte, i) => byte === root[i]);
}
