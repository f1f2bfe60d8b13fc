import { Code, Text } from "@mantine/core";
import { formatInstant } from "../../contracts/lifecycle";
import { Section } from "../contract-page/Section";
import { Facts } from "../../app/Facts";
import { durationText, rangeText } from "./lag";
import type { LedgerStatus } from "./queries";

/** The last batch whose Merkle root the chain holds, confirmed. */
export function LastBatchSection({ batch }: { batch: LedgerStatus["last_batch"] }) {
  return (
    <Section title="Last batch">
      {batch ? (
        <Facts facts={[
          { label: "Events", value: `${batch.count.toLocaleString("en-US")} (${rangeText(batch)})` },
          { label: "Merkle root", value: <Code>{batch.root}</Code> },
          { label: "Transaction", value: batch.tx_hash ? <Code>{batch.tx_hash}</Code> : "Not recorded" },
          { label: "Block", value: batch.block_number?.toLocaleString("en-US") ?? "Not recorded" },
        ]} />
      ) : <Text c="dimmed">No batch has been anchored yet.</Text>}
    </Section>
  );
}

/** The audit events still waiting for an anchor. */
export function QueueSection({ unanchored }: { unanchored: LedgerStatus["unanchored"] }) {
  const count = unanchored.count.toLocaleString("en-US");
  return (
    <Section title="Waiting to be anchored">
      {unanchored.count === 0 ? <Text>No event is waiting: everything written is anchored or in a batch on its way.</Text> : (
        <Facts facts={[
          { label: "Events", value: unanchored.count_capped ? `${count} or more` : count },
          { label: "Oldest written", value: formatInstant(unanchored.oldest_at) },
          { label: "Oldest has waited", value: durationText(unanchored.age_s) },
        ]} />
      )}
    </Section>
  );
}
