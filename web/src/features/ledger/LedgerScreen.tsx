import { SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { Notice } from "../../app/Notice";
import { ProblemAlert } from "../../app/ProblemAlert";
import { LastBatchSection, QueueSection } from "./AnchoringSections";
import { ChainSection } from "./ChainSection";
import { LagSection } from "./LagSection";
import { useLedgerStatus, useRecentBatches, type LedgerStatus } from "./queries";
import { SignerSection } from "./SignerSection";
import { StaleNotice } from "./stale";

/** Where this deployment anchors its audit events and how anchoring keeps up, live while the
 * tab is visible. */
export function LedgerScreen() {
  const status = useLedgerStatus();
  const batches = useRecentBatches();
  const data = status.data?.data;
  return (
    <Stack gap="lg">
      <Title order={1}>Ledger</Title>
      <Text>Where this deployment anchors its audit events (Merkle roots on chain), and how anchoring keeps up.</Text>
      {status.isPending && <Text c="dimmed" role="status">Reading the ledger&apos;s status…</Text>}
      {status.isError && !data && <ProblemAlert error={status.error} />}
      {status.isError && data && <StaleNotice what="status" updatedAt={status.dataUpdatedAt} error={status.error} />}
      {data && (
        <>
          {data.problem && <ChainProblem problem={data.problem} />}
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
            <ChainSection status={data} />
            <SignerSection status={data} />
            <LastBatchSection batch={data.last_batch} />
            <QueueSection unanchored={data.unanchored} />
          </SimpleGrid>
        </>
      )}
      <LagSection batches={batches.data?.data.batches} error={batches.error} updatedAt={batches.dataUpdatedAt} />
    </Stack>
  );
}

const PROBLEM_TITLES: Record<string, string> = {
  ledger_unavailable: "The chain cannot be reached",
  ledger_misconfigured: "The ledger is not configured correctly",
  dependency_unavailable: "A service the ledger needs is unavailable",
};

/** Why part of the status is missing, in words: what the chain would tell is not known now. */
function ChainProblem({ problem }: { problem: NonNullable<LedgerStatus["problem"]> }) {
  return (
    <Notice color="red" role="alert" title={PROBLEM_TITLES[problem.code] ?? "The ledger's status is incomplete"}>
      <Text size="sm">{problem.detail}</Text>
      <Text size="sm">What only the chain can tell (its block, the signer&apos;s balance) is not shown until it answers again; events keep waiting in the queue meanwhile, and nothing is lost.</Text>
    </Notice>
  );
}
