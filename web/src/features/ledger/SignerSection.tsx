import { Text } from "@mantine/core";
import { Notice } from "../../app/Notice";
import { Section } from "../contract-page/Section";
import { CopyableCode } from "./CopyableCode";
import { etherText, isLowBalance, isWei, weiText } from "./ether";
import { Facts, UNKNOWN } from "../../app/Facts";
import type { LedgerStatus } from "./queries";

/** The account that pays for anchoring, and whether it can keep paying. */
export function SignerSection({ status }: { status: LedgerStatus }) {
  const balance = status.signer_balance_wei;
  const minimum = status.min_signer_balance_wei;
  const readable = balance !== null && isWei(balance);
  const low = isLowBalance(balance, minimum);
  return (
    <Section title="Signer">
      <Facts facts={[
        { label: "Address", value: status.signer_address ? <CopyableCode value={status.signer_address} what="the signer address" /> : UNKNOWN },
        { label: "Balance", value: readable ? `${etherText(balance)} ETH` : UNKNOWN },
        { label: "Balance in wei", value: readable ? weiText(balance) : UNKNOWN },
      ]} />
      {low && minimum !== null && (
        <Notice color="orange" role="alert" title="The signer's balance is low">
          <Text size="sm">
            It is below {etherText(minimum)} ETH, where the health check reports the ledger degraded. Anchoring stops
            when the signer cannot pay for gas: fund its address.
          </Text>
        </Notice>
      )}
      {low === false && minimum !== null && (
        <Text size="sm">Above the {etherText(minimum)} ETH the health check asks for.</Text>
      )}
    </Section>
  );
}
