import { present, type CmsApi } from "../client";
import { contentDigest } from "../crypto/contractSignature";
import {
  verifySigningPayload,
  type Contract,
  type Eip712TypedData,
  type SigningPayload,
  type SigningPayloadCheck,
  type SigningPayloadOptions,
  type SigningRefusal,
} from "./payload";

/** Whatever holds a party's key (a wallet, a browser key, a test key): it signs what it is
 * handed and never sees anything the browser has not rebuilt and checked. */
export interface ContractSigner {
  did: string;
  kind: "ethereum" | "ed25519";
  signTypedData(typedData: Eip712TypedData): Promise<string>;
  signContractMessage(message: string): Promise<string>;
  /** The DID URL of the key, when the DID has several. */
  verificationMethod?: string;
}

/** A signing attempt the browser refused: `refusal` says which value differs. */
export class SigningRefused extends Error {
  readonly refusal: SigningRefusal;

  constructor(refusal: SigningRefusal) {
    super(`${refusal.explanation} (${refusal.field}: expected ${refusal.expected}, received ${refusal.received})`);
    this.name = "SigningRefused";
    this.refusal = refusal;
  }
}

/** The contract the user reviewed (the one shown to them), what the server asks to sign, and
 * the browser's verdict on the one against the other. */
export interface PreparedSigning {
  contract: Contract;
  payload: SigningPayload;
  check: SigningPayloadCheck;
  options: SigningPayloadOptions;
}

/** Fetch the signing payload for `signerDid` and check it against `displayed`, the contract
 * the user was shown (never a copy fetched here: a hostile server could show one contract and
 * hand the check another, self-consistent one). Nothing is signed. */
export async function prepareContractSigning(client: CmsApi, displayed: Contract,
  signerDid: string, options: SigningPayloadOptions = {}): Promise<PreparedSigning> {
  const payload = present((await client.GET("/api/v1/contracts/{contract_id}/signing-payload",
    { params: { path: { contract_id: displayed.id } } })).data);
  return { contract: displayed, payload, check: verifySigningPayload(displayed, payload, signerDid, options), options };
}

/** A refusal when the contract shown now is not the one reviewed (its content, its frozen
 * digest or its id differ); null when it is the same. */
export function contractChangedSince(reviewed: Contract, displayed: Contract): SigningRefusal | null {
  const then = `${reviewed.id} ${contentDigest(reviewed)} ${reviewed.digest ?? "none"}`;
  const now = `${displayed.id} ${contentDigest(displayed)} ${displayed.digest ?? "none"}`;
  if (then === now) return null;
  return { ok: false, reason: "contract_changed", field: "contract", expected: then, received: now,
    explanation: "The contract changed since you reviewed it: review it again." };
}

/** Sign a prepared payload and submit the signature. At sign time everything is checked again
 * against `displayed`, the contract shown now: it must be the one reviewed, and the payload
 * must still match it for this signer. The signer signs the browser's rebuilt copy; on any
 * difference SigningRefused is thrown and the signer is never asked. */
export async function signPrepared(client: CmsApi, prepared: PreparedSigning,
  signer: ContractSigner, displayed: Contract): Promise<Contract> {
  const changed = contractChangedSince(prepared.contract, displayed);
  if (changed) throw new SigningRefused(changed);
  const check = verifySigningPayload(displayed, prepared.payload, signer.did, prepared.options);
  if (!check.ok) throw new SigningRefused(check);
  const signature = await signWith(signer, check.typedData, check.message);
  const { data } = await client.POST("/api/v1/contracts/{contract_id}/sign", {
    params: { path: { contract_id: displayed.id } },
    body: { signature, ...(signer.verificationMethod ? { verification_method: signer.verificationMethod } : {}) },
  });
  return present(data);
}

/** For scripts: fetch the contract once, check the payload against that copy, sign and
 * submit; the signer is asked only when every check passed. */
export async function signContract(client: CmsApi, contractId: string, signer: ContractSigner,
  options: SigningPayloadOptions = {}): Promise<Contract> {
  const contract = present((await client.GET("/api/v1/contracts/{contract_id}",
    { params: { path: { contract_id: contractId } } })).data);
  return signPrepared(client, await prepareContractSigning(client, contract, signer.did, options), signer, contract);
}

function signWith(signer: ContractSigner, typedData: Eip712TypedData | undefined,
  message: string | undefined): Promise<string> {
  // did:web payloads carry both forms; the key's kind picks one.
  if (typedData && (signer.kind === "ethereum" || message === undefined)) return signer.signTypedData(typedData);
  if (message !== undefined) return signer.signContractMessage(message);
  return Promise.reject(new Error("nothing to sign"));
}
