import { Loader, Stack, Title } from "@mantine/core";
import { draftKey, useStoredDraft } from "../contract-form/useStoredDraft";
import { useReader } from "../contract-page/queries";
import { ProblemAlert } from "../../app/ProblemAlert";
import { Section } from "../contract-page/Section";
import { BatchSection } from "./BatchSection";
import { CallForm } from "./CallForm";
import { CircuitSection } from "./CircuitSection";
import { HealthSection } from "./HealthSection";
import { HistorySection } from "./HistorySection";
import { useEngineContract, type EngineCall } from "./queries";
import { SummarySection } from "./SummarySection";

const NO_CALLS: { calls: EngineCall[] } = { calls: [] };

/** One engine contract: what it is, call it (alone or in a batch), its circuit inputs, its
 * health and its history. */
export function EngineContractScreen({ address }: { address: string }) {
  const contract = useEngineContract(address);
  // The queued batch is a draft too: kept across reloads, forgotten at sign-out.
  const stored = useStoredDraft<{ calls: EngineCall[] }>(draftKey(useReader(), `engine.batch.${address.toLowerCase()}`), NO_CALLS);
  const batch = Array.isArray(stored.value.calls) ? stored.value.calls : [];
  const setBatch = (calls: EngineCall[]) => { if (calls.length > 0) stored.update({ calls }); else stored.reset(); };
  if (contract.isPending) return <Loader aria-label="Loading the contract" role="status" />;
  if (contract.error) return <Stack><Title order={1}>Engine contract</Title><ProblemAlert error={contract.error} /></Stack>;
  const data = contract.data;
  return (
    <Stack gap="md">
      <Title order={1} style={{ overflowWrap: "anywhere" }}>{data.name}</Title>
      <SummarySection contract={data} />
      {data.kind === "circuit" ? <CircuitSection address={data.address} /> : null}
      <Section title="Call a function">
        <CallForm contract={data} onAddToBatch={(call) => { setBatch([...batch, call]); }} />
      </Section>
      <BatchSection address={data.address} calls={batch}
        onRemove={(index) => { setBatch(batch.filter((_, at) => at !== index)); }} onClear={() => { setBatch([]); }} />
      <HealthSection address={data.address} />
      <HistorySection address={data.address} />
    </Stack>
  );
}
