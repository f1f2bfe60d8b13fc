import { Card, Group, List, Stack, Text, Title } from "@mantine/core";
import { ConfirmButton } from "../../app/ConfirmButton";
import type { Identity } from "../../auth/me";
import { ProblemAlert } from "../../app/ProblemAlert";
import { selfLockout, SUSPENSION_CONSEQUENCES } from "./identityRules";
import { StatusBadge } from "./StatusBadge";
import { useAdministerIdentity } from "./useIdentity";

/** Suspend or reactivate, each after a confirmation naming what it does. */
export function StatusCard({ identity, callerDid }: { identity: Identity; callerDid: string }) {
  const administer = useAdministerIdentity(identity.did);
  const active = identity.status === "active";
  const locked = active ? selfLockout(callerDid, identity.did, { status: "suspended" }) : null;
  return (
    <Card withBorder>
      <Stack gap="xs" align="flex-start">
        <Title order={2} size="h4">Status</Title>
        <Group gap="xs" role="status" aria-live="polite">
          <Text size="sm">This identity is</Text>
          <StatusBadge status={identity.status} />
        </Group>
        {locked && <Text size="sm">{locked}</Text>}
        <ProblemAlert error={administer.error} />
        {active ? (
          <ConfirmButton label="Suspend…" confirmLabel="Suspend" variant="default"
            disabled={locked !== null} busy={administer.isPending}
            onConfirm={() => { administer.mutate({ status: "suspended" }); }}
            consequences={<>
              <Text size="sm" mb="xs">Suspending {identity.name} ({identity.did}):</Text>
              <List size="sm">{SUSPENSION_CONSEQUENCES.map((line) => <List.Item key={line}>{line}</List.Item>)}</List>
            </>} />
        ) : (
          <ConfirmButton label="Reactivate…" confirmLabel="Reactivate" confirmColor="teal.9" variant="default"
            busy={administer.isPending}
            onConfirm={() => { administer.mutate({ status: "active" }); }}
            consequences={<>{identity.name} can sign in again (with a new sign-in: sessions
              ended by the suspension stay ended) and its contracts can move on.</>} />
        )}
      </Stack>
    </Card>
  );
}
