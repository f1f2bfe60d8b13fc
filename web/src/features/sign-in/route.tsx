import { Alert, Container, Stack, Tabs, Text, Title } from "@mantine/core";
import { Navigate, useLocation } from "react-router";
import { sessionStore, useSession } from "../../auth/sessionStore";
import { KeyPanel } from "./KeyPanel";
import { nextPath } from "./nextPath";
import { LAST_METHOD_KEY } from "./useSignInAndContinue";
import { WalletSignIn } from "./WalletSignIn";

/** Sign in, or register on first sign-in: with a wallet, or with an Ed25519 key kept in this
 * browser. Comes back to `?next=` afterwards. */
export function Component() {
  const session = useSession();
  const { search } = useLocation();
  if (session) return <Navigate to={nextPath(search)} replace />;
  const initial = localStorage.getItem(LAST_METHOD_KEY) === "ed25519" ? "key" : "wallet";
  return (
    <Container size={560} px={0}>
      <Stack gap="md">
        <Title order={1}>Sign in</Title>
        {sessionStore.endedByServer() && (
          <Alert color="blue" title="Your session has ended" role="status">
            The platform no longer accepts your last sign-in: you signed out everywhere, an
            administrator ended your sessions or suspended your identity, or it expired. Sign in
            again to continue.
          </Alert>
        )}
        <Text>
          Sign in with a key only you hold. The first time, signing in also registers your DID;
          the server keeps your public key, never the private one.
        </Text>
        <Tabs defaultValue={initial} keepMounted={false}>
          <Tabs.List grow>
            <Tabs.Tab value="wallet">Connect a wallet</Tabs.Tab>
            <Tabs.Tab value="key">Use a key in this browser</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="wallet" pt="md">
            <WalletSignIn />
          </Tabs.Panel>
          <Tabs.Panel value="key" pt="md"><KeyPanel /></Tabs.Panel>
        </Tabs>
      </Stack>
    </Container>
  );
}
