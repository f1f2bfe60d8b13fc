import { Badge, Code, Group, Stack, Text, Title } from "@mantine/core";
import { formatInstant, STATUS_COLORS, STATUS_WORDS, type Contract } from "./model";

export function ContractHeader({ contract }: { contract: Contract }) {
  return (
    <Stack gap={4}>
      <Group gap="sm" wrap="wrap">
        <Title order={1} style={{ overflowWrap: "anywhere" }}>{contract.title}</Title>
        <Badge color={STATUS_COLORS[contract.status]} variant="light" size="lg"
          aria-label={`Status: ${STATUS_WORDS[contract.status]}`}>
          {STATUS_WORDS[contract.status]}
        </Badge>
      </Group>
      {contract.description && <Text>{contract.description}</Text>}
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
