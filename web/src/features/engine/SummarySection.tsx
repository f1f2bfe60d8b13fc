import { Code, SimpleGrid, Text } from "@mantine/core";
import { Section } from "../contract-page/Section";
import type { EngineContract } from "./queries";

export const KIND_LABEL: Record<EngineContract["kind"], string> = {
  erc20: "ERC20 token", wasm: "WebAssembly contract", circuit: "Circuit contract",
  confidential_ledger: "Confidential ledger", sealed_bid_tally: "Sealed-bid tally",
};

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">{label}</Text>
      <Text size="sm" style={{ overflowWrap: "anywhere" }}>{children}</Text>
    </div>
  );
}

/** What the contract is: its kind, address, owner, age and use. */
export function SummarySection({ contract }: { contract: EngineContract }) {
  return (
    <Section title="Summary">
      {contract.description ? <Text size="sm">{contract.description}</Text> : null}
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <Fact label="Kind">{KIND_LABEL[contract.kind]}</Fact>
        <Fact label="Address"><Code>{contract.address}</Code></Fact>
        <Fact label="Owner"><Code>{contract.owner}</Code></Fact>
        <Fact label="Deployed">{new Date(contract.created_at).toLocaleString()}</Fact>
        <Fact label="Executions">{contract.executions.toLocaleString("en")}</Fact>
        <Fact label="Last execution">{contract.last_execution_at ? new Date(contract.last_execution_at).toLocaleString() : "none"}</Fact>
        {contract.code_hash ? <Fact label="Code hash"><Code>{contract.code_hash}</Code></Fact> : null}
        <Fact label="Functions">{Object.keys(contract.manifest.functions).length}</Fact>
      </SimpleGrid>
    </Section>
  );
}
