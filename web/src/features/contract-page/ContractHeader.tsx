import { Anchor, Code, Group, Stack, Text, Title, VisuallyHidden } from "@mantine/core";
import { waitingFor } from "../../contracts/rules";
import { StateBadge } from "./StateBadge";
import { formatInstant, STATUS_COLOR, STATUS_LABEL, type Contract } from "../../contracts/lifecycle";

export function ContractHeader({ contract, did }: { contract: Contract; did: string }) {
  const waiting = waitingFor(contract, did);
  return (
    <Stack gap={4}>
      <Group gap="sm" wrap="wrap">
        <Title order={1} style={{ overflowWrap: "anywhere" }}>{contract.title}</Title>
        <StateBadge color={STATUS_COLOR[contract.status]} size="lg" maw="100%">
          <VisuallyHidden>Status: </VisuallyHidden>{STATUS_LABEL[contract.status]}
        </StateBadge>
      </Group>
      {contract.description && <Text>{contract.description}</Text>}
      {waiting && (
        <Text fw={500}>
          {waiting} <Anchor href="#actions" underline="always">What you can do</Anchor>
        </Text>
      )}
      <Text size="sm" c="dimmed">
        Valid from {formatInstant(contract.valid_from)} until {formatInstant(contract.valid_until)}
        {contract.signing_deadline && contract.status === "review"
          ? `; signatures due by ${formatInstant(contract.signing_deadline)}` : ""}
      </Text>
      <Text size="sm" style={{ overflowWrap: "anywhere" }}>
        Digest (what the parties sign):{" "}
        {contract.digest ? <Code>{contract.digest}</Code> : <Text span c="dimmed">fixed when the draft is submitted</Text>}
      </Text>
    </Stack>
  );
}
