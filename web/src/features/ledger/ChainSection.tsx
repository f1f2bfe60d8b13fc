import { Code, Text } from "@mantine/core";
import { Section } from "../contract-page/Section";
import { chainInWords } from "../contract-page/signingWords";
import { CopyableCode } from "./CopyableCode";
import { Facts, UNKNOWN } from "../../app/Facts";
import type { LedgerStatus } from "./queries";

/** Which chain and contract this deployment anchors on, and the pin receipt verifiers use. */
export function ChainSection({ status }: { status: LedgerStatus }) {
  const pin = status.chain_id !== null && status.ledger_address !== null
    ? `${status.chain_id}:${status.ledger_address}` : null;
  return (
    <Section title="Chain and ledger">
      <Facts facts={[
        { label: "Chain", value: status.chain_id === null ? UNKNOWN : chainInWords(status.chain_id) },
        { label: "Ledger contract", value: status.ledger_address ? <CopyableCode value={status.ledger_address} what="the ledger address" /> : UNKNOWN },
        { label: "Pin for receipt verifiers", value: pin ? <CopyableCode value={pin} what="the pin" /> : UNKNOWN },
        { label: "Confirmations required", value: status.confirmations_required ?? UNKNOWN },
        { label: "Latest block", value: status.block_number?.toLocaleString("en-US") ?? UNKNOWN },
        { label: "Next anchoring number", value: status.next_seq === null ? UNKNOWN : `#${status.next_seq}` },
      ]} />
      {pin && <Text size="sm" style={{ overflowWrap: "anywhere" }}>A receipt is checked against this ledger with <Code>--ledger {pin}</Code> (or the pin on the Verify a receipt screen).</Text>}
    </Section>
  );
}
