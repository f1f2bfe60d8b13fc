import { Code, Text } from "@mantine/core";
import { Facts, type Fact } from "../../app/Facts";
import { formatInstant } from "../../contracts/lifecycle";
import { Section } from "../contract-page/Section";
import type { EngineContract } from "./queries";

export const KIND_LABEL: Record<EngineContract["kind"], string> = {
  erc20: "ERC20 token", wasm: "WebAssembly contract", circuit: "Circuit contract",
  confidential_ledger: "Confidential ledger", sealed_bid_tally: "Sealed-bid tally",
};

/** What the contract is: its kind, address, owner, age and use. */
export function SummarySection({ contract }: { contract: EngineContract }) {
  return (
    <Section title="Summary">
      {contract.description ? <Text size="sm">{contract.description}</Text> : null}
      <Facts facts={summaryFacts(contract)} />
    </Section>
  );
}

/** The summary as label–value facts (a description list). */
export function summaryFacts(contract: EngineContract): Fact[] {
  return [
    { label: "Kind", value: KIND_LABEL[contract.kind] },
    { label: "Address", value: <Code>{contract.address}</Code> },
    { label: "Owner", value: <Code>{contract.owner}</Code> },
    { label: "Deployed", value: formatInstant(contract.created_at) },
    { label: "Executions", value: contract.executions.toLocaleString("en") },
    { label: "Last execution", value: contract.last_execution_at ? formatInstant(contract.last_execution_at) : "none" },
    ...(contract.code_hash ? [{ label: "Code hash", value: <Code>{contract.code_hash}</Code> }] : []),
    { label: "Functions", value: Object.keys(contract.manifest.functions).length },
  ];
}
