import type { CmsApi } from "../client";
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

/** The contract, what the server asks to sign, and the browser's verdict on it. */
export interface PreparedSigning {
  contract: Contract;
  payload: SigningPayload;
  check: SigningPayloadCheck;
}

/** Fetch the contract and its signing payload for `signerDid` and check one against the
 * other; nothing is signed. The payload is fetched first so that the server's refusals (a
 * draft has nothing to sign yet) surface as its problem. */
export async function prepareContractSigning(client: CmsApi, contractId: string,
  signerDid: string, options: SigningPayloadOptions = {}): Promise<PreparedSigning> {
  const path = { params: { path: { contract_id: contractId } } };
  const payload = present((await client.GET("/api/v1/contracts/{contract_id}/signing-payload", path)).data);
  const contract = present((await client.GET("/api/v1/contracts/{contract_id}", path)).data);
  return { contract, payload, check: verifySigningPayload(contract, payload, signerDid, options) };
}

/** Sign a prepared payload (the browser's rebuilt copy) and submit the signature; throws
 * SigningRefused, without asking the signer, when the check failed. */
export async function signPrepared(client: CmsApi, prepared: PreparedSigning,
  signer: ContractSigner): Promise<Contract> {
  const { check, contract } = prepared;
  if (!check.ok) throw new SigningRefused(check);
  const signature = await signWith(signer, check.typedData, check.message);
  const { data } = await client.POST("/api/v1/contracts/{contract_id}/sign", {
    params: { path: { contract_id: contract.id } },
    body: { signature, ...(signer.verificationMethod ? { verification_method: signer.verificationMethod } : {}) },
  });
  return present(data);
}

/** Fetch, check, sign and submit: the signer is asked only when every check passed. */
export async function signContract(client: CmsApi, contractId: string, signer: ContractSigner,
  options: SigningPayloadOptions = {}): Promise<Contract> {
  return signPrepared(client, await prepareContractSigning(client, contractId, signer.did, options), signer);
}

function signWith(signer: ContractSigner, typedData: Eip712TypedData | undefined,
  message: string | undefined): Promise<string> {
  // did:web payloads carry both forms; the key's kind picks one.
  if (typedData && (signer.kind === "ethereum" || message === undefined)) return signer.signTypedData(typedData);
  if (message !== undefined) return signer.signContractMessage(message);
  return Promise.reject(new Error("nothing to sign"));
}

function present<T>(data: T | undefined): T {
  if (data === undefined) throw new Error("the server answered without a body");
  return data;
}
