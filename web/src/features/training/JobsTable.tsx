import { Anchor, Table, Text } from "@mantine/core";
import { Link } from "react-router";
import { formatInstant } from "../../contracts/lifecycle";
import { StateBadge } from "../contract-page/StateBadge";
import { JOB_STATUS_COLOR, JOB_STATUS_LABEL, jobPath } from "./jobWords";
import type { TrainingJob } from "./queries";

/** Jobs as rows: link, state, epsilon reserved and spent, when. */
export function JobsTable({ jobs, label, showContract = false }: { jobs: TrainingJob[]; label: string; showContract?: boolean }) {
  if (!jobs.length) return <Text size="sm" c="dimmed">No training jobs.</Text>;
  return (
    // Wider than a phone: the table scrolls inside its container, never the page.
    <Table.ScrollContainer minWidth={600}>
      <Table verticalSpacing={4} aria-label={label} striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Job</Table.Th><Table.Th>State</Table.Th><Table.Th>Epsilon reserved / spent</Table.Th>
            {showContract && <Table.Th>Contract</Table.Th>}<Table.Th>Started</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {jobs.map((job) => (
            <Table.Tr key={job.id} data-job-id={job.id}>
              <Table.Td><Anchor component={Link} to={jobPath(job.id)}>{job.model_name} · {job.id.slice(0, 8)}</Anchor></Table.Td>
              <Table.Td style={{ whiteSpace: "nowrap" }}><StateBadge color={JOB_STATUS_COLOR[job.status]}>{JOB_STATUS_LABEL[job.status]}</StateBadge></Table.Td>
              <Table.Td><Text size="xs" ff="monospace">{job.privacy_budget} / {job.privacy_budget_spent}</Text></Table.Td>
              {showContract && <Table.Td><Anchor component={Link} to={`/contracts/${job.contract_id}`} size="sm">{job.contract_id.slice(0, 8)}</Anchor></Table.Td>}
              <Table.Td><Text size="xs">{formatInstant(job.created_at)}</Text></Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
