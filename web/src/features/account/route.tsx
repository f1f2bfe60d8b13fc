import { Button, Card, Group, List, Stack, Table, Text, Title } from "@mantine/core";
import { plainProblem } from "../../api/problemText";
import { downloadKeyFile } from "../../auth/downloadKeyFile";
import { useMe } from "../../auth/me";
import { RequireSession } from "../../auth/RequireSession";
import { useSession, type Session } from "../../auth/sessionStore";
import { issuedAt } from "../../auth/tokenClaims";
import { formatInstant } from "../../contracts/lifecycle";
import { DidDocumentCard } from "./DidDocumentCard";
import { SignOutEverywhere } from "./SignOutEverywhere";

/** Who is signed in, as the API knows them, with the keys registered for them. */
export function Component() {
  return <RequireSession><Account /></RequireSession>;
}

function Account() {
  const session = useSession();
  const me = useMe();
  if (!session) return null;
  return (
    <Stack gap="md" maw={760}>
      <Title order={1}>Account and keys</Title>
      <SessionCard session={session} />
      <Card withBorder>
        <Stack gap="xs">
          <Group justify="space-between">
            <Title order={2} size="h4">Identity</Title>
            <Button variant="default" size="xs" loading={me.isFetching} onClick={() => { void me.refetch(); }}>
              Refresh
            </Button>
          </Group>
          {me.isError && <Text c="red" role="alert">{plainProblem(me.error).title}</Text>}
          {me.data && (
            <>
              <Text size="sm">Status: {me.data.status}{me.data.roles.length ? `; roles: ${me.data.roles.join(", ")}` : ""}</Text>
              <Table.ScrollContainer minWidth={0}>
                <Table aria-label="Registered keys">
                  <Table.Thead>
                    <Table.Tr><Table.Th>Key</Table.Th><Table.Th>Kind</Table.Th><Table.Th>Registered</Table.Th></Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {me.data.credentials.map((credential) => (
                      <Table.Tr key={credential.credential_id}>
                        <Table.Td ff="monospace" style={{ wordBreak: "break-all" }}>{credential.value}</Table.Td>
                        <Table.Td>{credential.type === "ethereum_address" ? "Ethereum address" : "Ed25519 public key"}</Table.Td>
                        <Table.Td>{formatInstant(credential.created_at)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </>
          )}
        </Stack>
      </Card>
      <DidDocumentCard did={session.did} />
      <SignOutEverywhere did={session.did} />
    </Stack>
  );
}

function SessionCard({ session }: { session: Session }) {
  const issued = issuedAt(session.token);
  return (
    <Card withBorder>
      <Stack gap="xs">
        <Title order={2} size="h4">This session</Title>
        <List size="sm" spacing={4}>
          <List.Item style={{ wordBreak: "break-all" }}>DID: <Text span ff="monospace">{session.did}</Text></List.Item>
          <List.Item>Signed in with {session.keyKind === "ethereum" ? "a wallet (Ethereum)" : "a key in this browser (Ed25519)"}</List.Item>
          {issued && <List.Item>Issued at {formatInstant(issued.toISOString())}</List.Item>}
          <List.Item>Ends at {new Date(session.expiresAt).toLocaleTimeString()} unless renewed</List.Item>
        </List>
        {session.keyKind === "ed25519" && (
          <Group>
            <Button variant="default" size="xs" onClick={() => { void downloadKeyFile(session.did); }}>
              Export key file (encrypted)
            </Button>
          </Group>
        )}
      </Stack>
    </Card>
  );
}
