import { Anchor, Checkbox, Group, Paper, Stack, Text } from "@mantine/core";
import { Link } from "react-router";
import { contractPath, counterpartyOf, formatDate, roleOf, shortDid, STATUS_COLOR, STATUS_LABEL,
  type Contract } from "../../contracts/lifecycle";
import type { RowOutcome } from "./bulkActions";
import { StateBadge } from "../contract-page/StateBadge";

interface Props {
  contract: Contract;
  did: string;
  selected: boolean;
  onToggle: () => void;
  outcome: RowOutcome | undefined;
}

export function ContractRow({ contract, did, selected, onToggle, outcome }: Props) {
  const counterparty = counterpartyOf(contract, did);
  const titleId = `contract-${contract.id}`;
  return (
    <Paper component="li" withBorder p="sm" radius="sm">
      <Group wrap="nowrap" align="flex-start" gap="sm">
        <Checkbox mt={4} checked={selected} onChange={onToggle}
          aria-label={`Select ${contract.title}`} />
        <Stack gap={4} style={{ minWidth: 0, flex: 1 }}>
          <Group gap="xs" wrap="wrap">
            <Anchor id={titleId} component={Link} to={contractPath(contract.id)} fw={600}
              style={{ overflowWrap: "anywhere" }}>{contract.title}</Anchor>
            <StateBadge color={STATUS_COLOR[contract.status]}>{STATUS_LABEL[contract.status]}</StateBadge>
          </Group>
          <Text size="sm" c="dimmed" style={{ overflowWrap: "anywhere" }}>
            {roleOf(contract, did) === "provider" ? "You provide" : "You consume"} · with{" "}
            <span title={counterparty}>{shortDid(counterparty)}</span> · created {formatDate(contract.created_at)}
            {" "}· valid {formatDate(contract.valid_from)} – {formatDate(contract.valid_until)}
          </Text>
          {outcome && (
            <Text size="sm" c={outcome.ok ? "green.9" : "red.9"} aria-describedby={titleId}>
              {outcome.ok ? "✓ " : "✗ "}{outcome.text}
            </Text>
          )}
        </Stack>
      </Group>
    </Paper>
  );
}
