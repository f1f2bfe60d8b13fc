/**
 * Each signature checked against the DID document recorded with it
 * (cms.domain.verification.signature_problem): the key that signed then, with no network.
 * did:key / did:pkh / did:ethr documents must be the ones the DID denotes; a did:web document
 * is taken as recorded (it is anchored with the signature event, so it cannot be swapped).
 */
import { equalBytes } from "@noble/curves/abstract/utils";
import { canonicalJson } from "../canonical";
import {
  contractFieldsProblem, decodeSignature, recoverEip712Signer, verifiesEd25519,
  type ContractSignatureFields, type SignatureKind,
} from "../crypto/contractSignature";
import type { AuditEvent, Contract, Signature } from "./contract";
import { isObject } from "./contract";
import { documentJson, DidProblem, parseDid, parseDocument, resolveLocal, type DidDocument, type VerificationMethod } from "./did";
import type { Json } from "./strictJson";


/** Each current signer's DID document, as recorded with its signature. */
export function recordedDocuments(events: AuditEvent[]): Map<string, Json> {
  let documents = new Map<string, Json>();
  for (const event of events) {
    if (event.type === "contract.changes_requested") documents = new Map(); // the signatures were cleared
    else if (event.type === "contract.signed") {
      const signature = event.data.signature;
      if (isObject(signature) && typeof signature.signer_did === "string") {
        documents.set(signature.signer_did, event.data.did_document ?? null);
      }
    }
  }
  return documents;
}

const schemeOf = (method: VerificationMethod) => (method.ed25519 ? "ed25519-prefixed-digest" : "eip712");

async function verifies(method: VerificationMethod, raw: Uint8Array, fields: ContractSignatureFields): Promise<boolean> {
  if (method.ed25519) return verifiesEd25519(method.ed25519, raw, fields);
  const recovered = await recoverEip712Signer(raw, fields);
  return recovered !== null && recovered.toLowerCase() === (method.ethAddress ?? "").toLowerCase();
}

/** verify_contract_signature: the assertionMethod key the signature verifies with. */
async function verifyingMethod(document: DidDocument, contract: Contract, signature: Signature): Promise<VerificationMethod | string> {
  const fields = { contractId: contract.id, digestHex: signature.digest, signerDid: document.id, chainId: signature.chain_id };
  const invalid = contractFieldsProblem(fields);
  if (invalid) return invalid;
  const wanted = signature.verification_method.startsWith("#") ? document.id + signature.verification_method : signature.verification_method;
  const methods = document.assertionMethod
    .map((id) => document.methods.find((method) => method.id === id))
    .filter((method): method is VerificationMethod => method !== undefined && method.id === wanted);
  if (!methods.length) return `'${signature.verification_method}' is not an assertionMethod of ${document.id}`;
  const decoded = new Map<SignatureKind, Uint8Array | string>();
  for (const method of methods) {
    const kind: SignatureKind = method.ed25519 ? "ed25519" : "eth";
    if (!decoded.has(kind)) decoded.set(kind, decodeSignature(signature.signature, kind));
    const raw = decoded.get(kind);
    if (raw instanceof Uint8Array && await verifies(method, raw, fields)) return method;
  }
  const errors = [...decoded.values()].filter((value) => typeof value === "string");
  if (errors.length === decoded.size) return `not a valid signature for this DID's keys: ${errors[0] ?? ""}`;
  return "the signature does not verify against the DID's keys for assertionMethod";
}

/** Why the signature does not hold, or null when it does. */
export async function signatureProblem(contract: Contract, signature: Signature, recorded: Json | undefined): Promise<string | null> {
  if (recorded === undefined || recorded === null) return "no DID document was recorded with this signature";
  let document: DidDocument;
  try {
    document = parseDocument(recorded, signature.signer_did);
    if (!equalBytes(canonicalJson(documentJson(document)), canonicalJson(recorded))) {
      return "the recorded DID document has fields that are not part of its normal form";
    }
    const did = parseDid(signature.signer_did);
    if (did.method !== "web" && !equalBytes(canonicalJson(documentJson(resolveLocal(did))), canonicalJson(recorded))) {
      return `the recorded DID document is not the one ${signature.signer_did} denotes`;
    }
  } catch (error) {
    if (error instanceof DidProblem) return `the recorded DID document is unusable: ${error.message}`;
    throw error;
  }
  const method = await verifyingMethod(document, contract, signature);
  if (typeof method === "string") return method;
  if (schemeOf(method) !== signature.scheme) {
    return `recorded as a '${signature.scheme}' signature, but ${method.id} signs '${schemeOf(method)}'`;
  }
  return null;
}
