import canonicalize from "canonicalize";
import type { Schemas } from "../client";
import { contentDigest, contractMessage, contractTypedData } from "../crypto/contractSignature";

export type Contract = Schemas["Contract"];
export type SigningPayload = Schemas["SigningPayload"];
export type Eip712TypedData = Schemas["Eip712TypedData"];
export type SigningScheme = SigningPayload["scheme"];

/** The scheme a DID signs contracts with: Ethereum DIDs EIP-712, did:key Ed25519, did:web
 * either (its document may hold both kinds of key). */
export function schemeForDid(did: string): SigningScheme {
  if (did.startsWith("did:pkh:") || did.startsWith("did:ethr:")) return "eip712";
  if (did.startsWith("did:key:")) return "ed25519-prefixed-digest";
  return "any";
}

/** The chain a signer's DID names, when it names one (did:pkh:eip155:<chain>:…,
 * did:ethr:0x<chain>:…): the chain its typed data must name. */
export function signerChainId(did: string): number | undefined {
  const pkh = /^did:pkh:eip155:(\d+):/.exec(did);
  if (pkh?.[1]) return Number(pkh[1]);
  const ethr = /^did:ethr:(0x[0-9a-fA-F]+):0x/.exec(did);
  return ethr?.[1] ? Number.parseInt(ethr[1], 16) : undefined;
}

export type SigningRefusalReason =
  | "contract_changed" // the contract shown now is not the one reviewed
  | "not_frozen" // the contract has no frozen digest (not submitted for signing)
  | "contract_digest_mismatch" // the contract's digest is not the digest of its content
  | "payload_contract_mismatch"
  | "payload_digest_mismatch"
  | "payload_signer_mismatch"
  | "scheme_mismatch"
  | "chain_mismatch"
  | "typed_data_mismatch"
  | "message_mismatch";

/** Why the browser refuses to sign: which value differs, what it should be and what it is. */
export interface SigningRefusal {
  ok: false;
  reason: SigningRefusalReason;
  /** Where the difference is, e.g. "typed_data.message.digest". */
  field: string;
  expected: string;
  received: string;
  explanation: string;
}

/** What to sign: copies rebuilt in the browser (never the server's), after every check. */
export interface VerifiedSigningPayload {
  ok: true;
  digest: string;
  scheme: SigningScheme;
  /** EIP-712 typed data (eip712 and any). */
  typedData?: Eip712TypedData;
  /** The prefixed Ed25519 message (ed25519-prefixed-digest and any). */
  message?: string;
}

export type SigningPayloadCheck = VerifiedSigningPayload | SigningRefusal;

export interface SigningPayloadOptions {
  /** The chain the EIP-712 domain must name. Default: the chain the signer's DID names, if
   * any; else any positive chain id (it names the domain only; the contract binding, digest
   * and signer are still checked). */
  chainId?: number;
}

/**
 * Check a signing payload against the contract it claims to be for, before any key is asked:
 * the digest recomputed from the contract's content must equal the contract's frozen digest,
 * the payload's digest and the digest inside the typed data or message; the contract id,
 * signer, scheme and chain must be the expected ones; and what is to be signed must be exactly
 * what the browser rebuilds. The first difference found is returned as a refusal.
 */
export function verifySigningPayload(contract: Contract, payload: SigningPayload,
  signerDid: string, options: SigningPayloadOptions = {}): SigningPayloadCheck {
  const digest = contentDigest(contract);
  if (contract.digest === null) {
    return refuse("not_frozen", "contract.digest", digest, "none",
      "The contract has not been submitted for signing: it has no frozen digest.");
  }
  const checks: (SigningRefusal | null)[] = [
    differs("contract_digest_mismatch", "contract.digest", digest, contract.digest,
      "The contract's digest is not the digest of the content shown."),
    differs("payload_contract_mismatch", "payload.contract_id", contract.id, payload.contract_id,
      "The signing payload is for another contract."),
    differs("payload_digest_mismatch", "payload.digest", digest, payload.digest,
      "The signing payload's digest is not the digest of the content shown."),
    differs("payload_signer_mismatch", "payload.signer_did", signerDid, payload.signer_did,
      "The signing payload is for another signer."),
    differs("scheme_mismatch", "payload.scheme", schemeForDid(signerDid), payload.scheme,
      "The signing payload uses another scheme than your key signs with."),
  ];
  const early = checks.find((check) => check !== null);
  if (early) return early;
  return checkSignable(contract.id, digest, signerDid, payload, options);
}

function checkSignable(contractId: string, digest: string, signerDid: string,
  payload: SigningPayload, options: SigningPayloadOptions): SigningPayloadCheck {
  const verified: VerifiedSigningPayload = { ok: true, digest, scheme: payload.scheme };
  if (payload.scheme !== "ed25519-prefixed-digest") {
    const typed = checkTypedData(contractId, digest, signerDid, payload.typed_data, options);
    if (!typed.ok) return typed;
    verified.typedData = typed.typedData;
  }
  if (payload.scheme !== "eip712") {
    const expected = contractMessage(contractId, digest, signerDid);
    const mismatch = differs("message_mismatch", "message", expected, payload.message ?? "none",
      "The message to sign is not the one rebuilt from the contract.");
    if (mismatch) return mismatch;
    verified.message = expected;
  }
  return verified;
}

function checkTypedData(contractId: string, digest: string, signerDid: string,
  received: Eip712TypedData | null | undefined, options: SigningPayloadOptions
): SigningRefusal | { ok: true; typedData: Eip712TypedData } {
  if (!received) {
    return refuse("typed_data_mismatch", "typed_data", "EIP-712 typed data", "none",
      "The signing payload has no typed data to sign.");
  }
  // Read by path from what arrived: a hostile server need not send the declared shape.
  const chainId = valueAt(received, ["domain", "chainId"]);
  const expectedChain = options.chainId ?? signerChainId(signerDid);
  const chainOk = typeof chainId === "number" && (expectedChain !== undefined
    ? chainId === expectedChain : Number.isSafeInteger(chainId) && chainId > 0);
  if (!chainOk) {
    return refuse("chain_mismatch", "typed_data.domain.chainId",
      expectedChain === undefined ? "a positive chain id" : String(expectedChain),
      String(chainId), "The typed data names another chain than your account's.");
  }
  const expected = contractTypedData(contractId, digest, signerDid, chainId);
  const named: [string[], string][] = [
    [["domain", "name"], expected.domain.name],
    [["domain", "version"], expected.domain.version],
    [["message", "contractId"], expected.message.contractId],
    [["message", "digest"], expected.message.digest],
    [["message", "signer"], expected.message.signer],
    [["primaryType"], expected.primaryType],
  ];
  for (const [path, want] of named) {
    const mismatch = differs("typed_data_mismatch", `typed_data.${path.join(".")}`, want,
      String(valueAt(received, path)),
      "The typed data to sign is not the one rebuilt from the contract.");
    if (mismatch) return mismatch;
  }
  // Anything else (types, extra fields) must be exactly as rebuilt too.
  const whole = differs("typed_data_mismatch", "typed_data", canonicalize(expected) ?? "",
    canonicalize(received) ?? "", "The typed data to sign has other types or fields than expected.");
  return whole ?? { ok: true, typedData: expected };
}

function valueAt(value: unknown, path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function differs(reason: SigningRefusalReason, field: string, expected: string, received: string,
  explanation: string): SigningRefusal | null {
  return expected === received ? null : refuse(reason, field, expected, received, explanation);
}

function refuse(reason: SigningRefusalReason, field: string, expected: string, received: string,
  explanation: string): SigningRefusal {
  return { ok: false, reason, field, expected, received, explanation };
}
