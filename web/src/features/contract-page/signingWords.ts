import type { VerifiedSigningPayload } from "@cms/sdk";
import type { Contract } from "../../contracts/lifecycle";

const CHAINS: Record<number, string> = {
  1: "Ethereum mainnet", 10: "OP Mainnet", 137: "Polygon", 8453: "Base", 42161: "Arbitrum One",
  11155111: "Sepolia test network", 31337: "a local development chain",
};

export function chainInWords(chainId: number): string {
  const name = CHAINS[chainId];
  return name ? `${chainId} (${name})` : String(chainId);
}

export interface SignedField { label: string; value: string; note?: string }

const DIGEST_NOTE = "SHA-256 of the contract's content: title, description, parties, terms, metadata (with the attachments' and documents' hashes) and validity.";

/** What the key will sign, field by field, in words: the EIP-712 domain and message, or the
 * Ed25519 message's lines. */
export function signedFields(contract: Contract, verified: VerifiedSigningPayload, signerDid: string): SignedField[] {
  const typed = verified.typedData;
  const fields: SignedField[] = [
    { label: "Contract", value: typed?.message.contractId ?? contract.id, note: `“${contract.title}”` },
    { label: "Digest", value: typed?.message.digest ?? `sha256:${verified.digest}`, note: DIGEST_NOTE },
    { label: "Signer", value: typed?.message.signer ?? signerDid, note: "You." },
  ];
  if (!typed) return fields;
  return [
    { label: "Signature domain", value: `${typed.domain.name}, version ${typed.domain.version}`,
      note: "Keeps contract signatures apart from sign-in and from other applications." },
    { label: "Chain", value: chainInWords(typed.domain.chainId) },
    ...fields,
  ];
}
