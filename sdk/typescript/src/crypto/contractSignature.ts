/**
 * Contract signatures as the API defines them (cms.domain.signatures): what each key kind
 * signs and how a signature is checked. Ethereum keys sign EIP-712 typed data (never
 * personal_sign, so a sign-in signature cannot pass as a contract signature); Ed25519 keys
 * sign a prefixed text message. Shared by whatever signs or verifies contracts in the SDK.
 */
import { ed25519 } from "@noble/curves/ed25519";
import { base64, base64urlnopad, hex } from "@scure/base";
import { hashTypedData, recoverAddress, type TypedData } from "viem";
import { digestOf } from "../canonical";
import type { Schemas } from "../client";
import { isPrintableAscii } from "./printable";

type Eip712TypedData = Schemas["Eip712TypedData"];

// The server's definitions (cms.domain.contracts.content and cms.domain.signatures), once for
// the SDK: what the contract digest covers, and what a signature of it is over.
export const CONTENT_SCHEMA = "cms.contract/v1";
export const CONTENT_FIELDS = ["title", "description", "provider_did", "consumer_did", "terms",
  "metadata", "valid_from", "valid_until"] as const;
export type ContentField = (typeof CONTENT_FIELDS)[number];
/** Every Ed25519 contract signature signs a text that starts with this; a sign-in text never may. */
export const CONTRACT_MESSAGE_PREFIX = "cms-contract-signature/v1\n";
export const EIP712_DOMAIN_NAME = "CMS Contract Signature";
export const EIP712_DOMAIN_VERSION = "1";
const CONTRACT_TYPES: Eip712TypedData["types"] = {
  EIP712Domain: [
    { name: "name", type: "string" },
    { name: "version", type: "string" },
    { name: "chainId", type: "uint256" },
  ],
  ContractSignature: [
    { name: "contractId", type: "string" },
    { name: "digest", type: "bytes32" },
    { name: "signer", type: "string" },
  ],
};

/** The contract digest: SHA-256 over the RFC 8785 form of {schema, id, ...content} (the
 * server's `content_digest`). Attachments and the rendered documents' hashes live in
 * `metadata`, so the digest covers them too. */
export function contentDigest(contract: { id: string } & { [field in ContentField]: unknown }): string {
  const content: Record<string, unknown> = { schema: CONTENT_SCHEMA, id: contract.id };
  for (const field of CONTENT_FIELDS) content[field] = contract[field];
  return digestOf(content);
}

/** EIP-712 typed data an Ethereum key signs for a contract (eth_signTypedData_v4 shape, as the
 * server's signing payload carries it). ``digest``: 64 lower-case hex digits. */
export function contractTypedData(contractId: string, digest: string, signerDid: string,
  chainId: number): Eip712TypedData {
  return {
    types: CONTRACT_TYPES,
    primaryType: "ContractSignature",
    domain: { name: EIP712_DOMAIN_NAME, version: EIP712_DOMAIN_VERSION, chainId },
    message: { contractId, digest: `0x${digest}`, signer: signerDid },
  };
}

/** The UTF-8 text an Ed25519 key signs for a contract. */
export function contractMessage(contractId: string, digest: string, signerDid: string): string {
  return `${CONTRACT_MESSAGE_PREFIX}contract:${contractId}\ndigest:sha256:${digest}\nsigner:${signerDid}`;
}

export interface ContractSignatureFields {
  contractId: string;
  /** 64 lower-case hex digits: the contract digest (SHA-256). */
  digestHex: string;
  signerDid: string;
  /** The EIP-712 domain's chain id. */
  chainId: number;
}

/** Why the fields cannot be signed at all (the server's ValidationFailed), or null. */
export function contractFieldsProblem(fields: ContractSignatureFields): string | null {
  if (!fields.contractId || !isPrintableAscii(fields.contractId)) {
    return "contract id must be non-empty printable ASCII text";
  }
  if (!/^[0-9a-f]{64}$/.test(fields.digestHex)) return "digest must be 64 lower-case hex digits (SHA-256)";
  if (!Number.isSafeInteger(fields.chainId) || fields.chainId < 1) return "chain id must be a positive integer";
  return null;
}

const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
const HEX_BYTES = /^(?:0[xX])?((?:[0-9a-fA-F]{2})+)$/;

export type SignatureKind = "eth" | "ed25519";

/** Raw signature bytes (Ethereum r‖s‖v with v as 27/28), or the reason it is not one. */
export function decodeSignature(signature: string, kind: SignatureKind): Uint8Array | string {
  if (!signature) return "signature must be a non-empty string";
  const digits = HEX_BYTES.exec(signature)?.[1];
  if (kind === "eth") {
    const raw = digits ? hex.decode(digits.toLowerCase()) : new Uint8Array();
    if (raw.length !== 65) {
      return "Ethereum signature must be 65 bytes as hex (130 hex digits, optional 0x), "
        + `got ${signature.length} characters`;
    }
    const v = raw[64] ?? 0;
    if (![0, 1, 27, 28].includes(v)) return `Ethereum signature recovery id v=${v} is not 0, 1, 27 or 28`;
    if (BigInt(`0x${hex.encode(raw.slice(32, 64))}`) > SECP256K1_HALF_N) {
      return "Ethereum signature has a high s value (non-canonical, EIP-2)";
    }
    const normalised = raw.slice();
    normalised[64] = (v % 27) + 27;
    return normalised;
  }
  if (digits?.length === 128) return hex.decode(digits.toLowerCase());
  const raw = decodeBase64Any(signature);
  if (raw?.length !== 64) {
    return "Ed25519 signature must be 64 bytes as hex (128 digits) or base64/base64url "
      + `(86 characters unpadded), got ${signature.length} characters`;
  }
  return raw;
}

/** Canonical base64url or standard base64, padding optional (cms b64decode_any), or null. */
export function decodeBase64Any(value: string): Uint8Array | null {
  const urlsafe = /^[A-Za-z0-9_-]*={0,2}$/.test(value);
  if (!(urlsafe || /^[A-Za-z0-9+/]*={0,2}$/.test(value)) || !value.replace(/=+$/, "")) return null;
  const body = value.replace(/=+$/, "");
  const standard = urlsafe ? body.replaceAll("-", "+").replaceAll("_", "/") : body;
  try {
    const raw = base64.decode(standard + "=".repeat((4 - (standard.length % 4)) % 4));
    // Canonical only: the re-encoding must give the same characters back.
    return base64.encode(raw).replace(/=+$/, "") === standard ? raw : null;
  } catch {
    return null;
  }
}

/** Base64url without padding (JWK coordinates). */
export function base64urlEncode(bytes: Uint8Array): string {
  return base64urlnopad.encode(bytes);
}

/** Whether a 64-byte Ed25519 signature over the contract message verifies with the key. */
export function verifiesEd25519(publicKey: Uint8Array, signature: Uint8Array, fields: ContractSignatureFields): boolean {
  try {
    // zip215: false = RFC 8032's strict checks, as libsodium (the Python verifier's) applies.
    const message = contractMessage(fields.contractId, fields.digestHex, fields.signerDid);
    return ed25519.verify(signature, new TextEncoder().encode(message), publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** The address that made an EIP-712 contract signature, or null if none can be recovered. */
export async function recoverEip712Signer(signature: Uint8Array, fields: ContractSignatureFields): Promise<string | null> {
  try {
    const typed = contractTypedData(fields.contractId, fields.digestHex, fields.signerDid, fields.chainId);
    // Widened, as the wallet signs them (web auth/wallet): viem cannot infer from runtime types.
    const types: TypedData = typed.types;
    const message: Record<string, unknown> = typed.message;
    const hash = hashTypedData({ domain: typed.domain, primaryType: typed.primaryType, types, message });
    return await recoverAddress({ hash, signature: `0x${hex.encode(signature)}` });
  } catch {
    return null;
  }
}
