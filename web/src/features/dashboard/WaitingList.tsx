import { Anchor, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { contractPath, shortDid, counterpartyOf } from "../../contracts/lifecycle";
import type { Waiting } from "../../contracts/rules";
import { useSession } from "../../auth/sessionStore";
import { FOLLOWED_STATES, MAX_FOLLOWED_PAGES, PER_STATE, type Overview } from "./dashboardData";
import { StateBadge } from "../contract-page/StateBadge";

const WAITING_WORDS: Record<Waiting, { badge: string; color: string; hint: string }> = {
  sign: { badge: "To sign", color: "yellow", hint: "Your signature is awaited." },
  submit: { badge: "To submit", color: "gray", hint: "Your draft: finish it and submit it for signing." },
  activate: { badge: "To activate", color: "teal", hint: "Both signed and its validity has begun." },
};
const ORDER: Waiting[] = ["sign", "activate", "submit"];

// Said when the reads stopped at their cap: the list is then the newest contracts' only.
const CAPPED = `Only your newest ${String(MAX_FOLLOWED_PAGES * PER_STATE)} contracts in ${
  FOLLOWED_STATES.join(" and ")} were checked: older ones may also wait for you.`;

export function WaitingList({ waiting, capped }: { waiting: Overview["waiting"]; capped: boolean }) {
  const did = useSession()?.did ?? "";
  const sorted = [...waiting].sort((a, b) => ORDER.indexOf(a.waiting) - ORDER.indexOf(b.waiting));
  return (
    <section aria-labelledby="waiting-heading">
      <Title order={2} size="h3" id="waiting-heading" mb="xs">Waiting for you ({sorted.length})</Title>
      {capped && (
        <Text size="sm" mb="xs">
          {CAPPED} <Anchor component={Link} to="/contracts">See all your contracts</Anchor>
        </Text>
      )}
      {sorted.length === 0 ? <Text c="dimmed">Nothing waits for you.</Text> : (
        <Stack component="ul" gap="xs" p={0} m={0} style={{ listStyle: "none" }}>
          {sorted.map(({ contract, waiting: what }) => (
            <Paper component="li" key={contract.id} withBorder p="sm">
              <Group gap="xs" wrap="wrap">
                <StateBadge color={WAITING_WORDS[what].color}>{WAITING_WORDS[what].badge}</StateBadge>
                <Anchor component={Link} to={contractPath(contract.id)} fw={600} style={{ overflowWrap: "anywhere" }}>
                  {contract.title}
                </Anchor>
              </Group>
              <Text size="sm" c="dimmed" style={{ overflowWrap: "anywhere" }}>
                {WAITING_WORDS[what].hint} With {shortDid(counterpartyOf(contract, did))}.
              </Text>
            </Paper>
          ))}
        </Stack>
      )}
    </section>
  );
}
