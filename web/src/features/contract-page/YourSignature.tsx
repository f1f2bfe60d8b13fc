import { Text } from "@mantine/core";
import { formatInstant, type Contract, type ContractStatus } from "../../contracts/lifecycle";
import { Notice } from "../../app/Notice";

const SHOWN_IN: readonly ContractStatus[] = ["review", "signed", "active"];

/** The caller's signature as the contract records it, while it matters: in review, once
 * signed, and active (the last signature may activate a contract valid from today at once).
 * Read from the contract, not from the signing action's state: the last signature moves the
 * contract on and the signing panel goes away, and this confirmation must not go with it. */
export function YourSignature({ contract, did }: { contract: Contract; did: string }) {
  const mine = contract.signatures.find((signature) => signature.signer_did === did);
  if (!mine || !SHOWN_IN.includes(contract.status)) return null;
  const everyone = contract.pending_signers.length === 0;
  return (
    <Notice color="green" role="status" title="You signed this contract">
      <Text size="sm">
        Your signature was recorded on {formatInstant(mine.signed_at)}.
        {everyone ? " Every party has signed." : " Waiting for the other party to sign."}
      </Text>
    </Notice>
  );
}

/** Whether the contract already lists the caller's signature. */
export function signedBy(contract: Contract, did: string): boolean {
  return contract.signatures.some((signature) => signature.signer_did === did);
}
