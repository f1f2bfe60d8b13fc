import { Anchor, Card, List, Stack, Text, Title } from "@mantine/core";
import { Link, useParams } from "react-router";
import { useMe } from "../../auth/me";
import { formatInstant } from "../../contracts/lifecycle";
import { ProblemAlert } from "../../app/ProblemAlert";
import { RequireSession } from "../../auth/RequireSession";
import { EventsCard } from "./EventsCard";
import { RolesCard } from "./RolesCard";
import { StatusCard } from "./StatusCard";
import { useIdentity } from "./useIdentity";

/** /admin/identities/:did: one identity's profile, roles, status and audit events. */
export function Component() {
  return <RequireSession><IdentityScreen /></RequireSession>;
}

function IdentityScreen() {
  const did = useParams().did ?? "";
  const identity = useIdentity(did);
  const me = useMe();
  const isAdmin = Boolean(me.data?.roles.includes("admin"));
  return (
    <Stack gap="md" maw={900}>
      <Anchor component={Link} to="/admin/identities" size="sm">Back to identities</Anchor>
      <Title order={1} style={{ overflowWrap: "anywhere" }}>{identity.data?.name ?? "Identity"}</Title>
      <ProblemAlert error={identity.error} />
      {identity.isPending && <Text role="status">Loading…</Text>}
      {identity.data && (
        <>
          <Card withBorder>
            <Stack gap="xs">
              <Title order={2} size="h4">Profile</Title>
              <List size="sm" spacing={4}>
                <List.Item style={{ wordBreak: "break-all" }}>DID: <Text span ff="monospace">{identity.data.did}</Text></List.Item>
                <List.Item>Kind: {identity.data.type}</List.Item>
                <List.Item>Registered {formatInstant(identity.data.created_at)}; last changed {formatInstant(identity.data.updated_at)}</List.Item>
                <List.Item>Keys: {identity.data.credentials.length}</List.Item>
              </List>
            </Stack>
          </Card>
          {isAdmin && me.data && <RolesCard identity={identity.data} callerDid={me.data.did} />}
          {isAdmin && me.data && <StatusCard identity={identity.data} callerDid={me.data.did} />}
          <EventsCard did={did} />
        </>
      )}
    </Stack>
  );
}
