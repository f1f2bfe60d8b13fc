import { Anchor, Group, Loader, Paper, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { useHasRole } from "../../auth/me";
import { useSession } from "../../auth/sessionStore";
import { formatInstant } from "../../contracts/lifecycle";
import { Notice } from "../../app/Notice";
import { ProblemAlert } from "../../app/ProblemAlert";
import { StateBadge } from "../contract-page/StateBadge";
import { EpochChart } from "./EpochChart";
import { JOB_STATUS_COLOR, JOB_STATUS_LABEL, stopInWords } from "./jobWords";
import { isOpen, useTrainingJob, type TrainingJob } from "./queries";
import { StopJobButton } from "./StopJobButton";
import { VerificationPanel } from "./VerificationPanel";

/** One training job, live while it runs: its state, the per-epoch chart, the stop button for
 * those who may stop it, and the attested result once there is one. */
export function JobPage({ id }: { id: string }) {
  const job = useTrainingJob(id);
  const did = useSession()?.did ?? "";
  const isAdmin = useHasRole("admin");
  if (job.isPending) return <Loader role="status" aria-label="Loading the training job" />;
  if (job.isError) return <ProblemAlert error={job.error} />;
  const data = job.data.value;
  const isConsumer = data.consumer_did === did;
  const mayStop = isOpen(data) && !data.stop_requested && (isConsumer || data.provider_did === did || isAdmin);
  return (
    <Stack gap="md">
      <Group justify="space-between" align="start">
        <div>
          <Title order={1}>Training job {data.id.slice(0, 8)}</Title>
          <Text size="sm">
            {data.model_name} under <Anchor component={Link} underline="always" to={`/contracts/${data.contract_id}`}>contract {data.contract_id.slice(0, 8)}</Anchor>, started {formatInstant(data.created_at)}
          </Text>
        </div>
        <Group gap="xs">
          <div role="status" aria-live="polite">
            <StateBadge size="lg" color={JOB_STATUS_COLOR[data.status]} data-testid="job-status">
              {JOB_STATUS_LABEL[data.status]}
            </StateBadge>
          </div>
          {mayStop && <StopJobButton job={data} asConsumer={isConsumer} />}
        </Group>
      </Group>
      <JobNotices job={data} />
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <Figure label="Epochs" value={`${String(data.metrics?.epochs.length ?? 0)} of ${String(data.config.epochs)}`} />
        <Figure label="Epsilon reserved" value={data.privacy_budget} />
        <Figure label={isOpen(data) ? "Epsilon spent so far" : "Epsilon charged"}
          value={isOpen(data) ? (data.progress?.epsilon_spent ?? "0.000000000") : data.privacy_budget_spent} />
      </SimpleGrid>
      <Paper withBorder p="md" radius="md">
        <EpochChart epochs={data.metrics?.epochs ?? []} />
      </Paper>
      {data.result && (
        <Paper withBorder p="md" radius="md"><VerificationPanel job={data} isConsumer={isConsumer} /></Paper>
      )}
    </Stack>
  );
}

function JobNotices({ job }: { job: TrainingJob }) {
  const stopped = stopInWords(job);
  return (
    <>
      {stopped && <Notice color="orange" title={job.status === "stopped" ? "Stopped" : "Stopping"}>{stopped}</Notice>}
      {job.error && <Notice color="red" title="The job failed">{job.error}</Notice>}
    </>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <Paper withBorder p="sm" radius="md">
      <Text size="xs" c="dimmed">{label}</Text>
      <Text ff="monospace">{value}</Text>
    </Paper>
  );
}
