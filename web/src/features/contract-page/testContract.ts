import { contentDigest, contractMessage, contractTypedData, type Schemas } from "@cms/sdk";
import type { Contract } from "../../contracts/lifecycle";

// A contract in review as the API returns it, its digest computed from its content; and the
// signing payloads the server would send each party.
export const PROVIDER = "did:pkh:eip155:31337:0x71C7656EC7ab88b098defB751B7401B5f6d8976F";
export const CONSUMER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
const ID = "0f8fad5b-d9cb-469f-a165-70867728950e";

export function reviewContract(changes: Partial<Contract> = {}): Contract {
  const content = {
    id: ID, title: "Training data licence", description: "DP training", provider_did: PROVIDER,
    consumer_did: CONSUMER, terms: { purpose: "training", epsilon: 3 }, metadata: {},
    valid_from: "2026-01-01T00:00:00.000Z", valid_until: "2099-01-01T00:00:00.000Z",
  };
  const digest = contentDigest(content);
  return {
    ...content, status: "review", digest, content_digest: digest, signatures: [],
    required_signers: [PROVIDER, CONSUMER], pending_signers: [PROVIDER, CONSUMER],
    signing_deadline: "2098-01-01T00:00:00.000Z", created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z", version: 2, head_hash: "1".repeat(64), ...changes,
  };
}

export function payloadFor(contract: Contract, signer: string): Schemas["SigningPayload"] {
  const digest = contract.digest ?? "";
  return signer.startsWith("did:key:")
    ? { contract_id: contract.id, digest, signer_did: signer, scheme: "ed25519-prefixed-digest",
      message: contractMessage(contract.id, digest, signer) }
    : { contract_id: contract.id, digest, signer_did: signer, scheme: "eip712",
      typed_data: contractTypedData(contract.id, digest, signer, 31337) };
}
