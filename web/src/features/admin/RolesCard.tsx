import { Card, Checkbox, Stack, Text, Title } from "@mantine/core";
import type { Identity } from "../../auth/me";
import { ProblemAlert } from "../../app/ProblemAlert";
import { MANAGED_ROLES, ROLE_LABEL, rolesAfter, selfLockout } from "./identityRules";
import { useAdministerIdentity } from "./useIdentity";

/** Grant or revoke admin and auditor (each box one change, sent at once). */
export function RolesCard({ identity, callerDid }: { identity: Identity; callerDid: string }) {
  const administer = useAdministerIdentity(identity.did);
  return (
    <Card withBorder>
      <Stack gap="xs">
        <Title order={2} size="h4">Roles</Title>
        {MANAGED_ROLES.map((role) => {
          const held = identity.roles.includes(role);
          const locked = held ? selfLockout(callerDid, identity.did, { revoke: role }) : null;
          return (
            <Checkbox key={role} label={ROLE_LABEL[role]} checked={held} description={locked}
              disabled={administer.isPending || locked !== null}
              onChange={(event) => {
                administer.mutate({ roles: rolesAfter(identity.roles, role, event.currentTarget.checked) });
              }} />
          );
        })}
        <ProblemAlert error={administer.error} />
        <Text size="sm" role="status" aria-live="polite">
          {administer.isSuccess ? `Roles now: ${identity.roles.join(", ") || "none"}.` : ""}
        </Text>
      </Stack>
    </Card>
  );
}
