import { ActionIcon, Button, CopyButton, Group, Popover, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { Link, useLocation, useNavigate } from "react-router";
import { useCms } from "../api/cms";
import { CheckIcon, CopyIcon } from "../app/icons";
import { useSession } from "./sessionStore";
import { shortDid } from "./shortDid";

const KEY_KIND = { ethereum: "Wallet (Ethereum)", ed25519: "Key in this browser (Ed25519)" } as const;

/** The header's account menu: who is signed in (the DID, copyable), with what, and sign out. */
export function AccountMenu() {
  const session = useSession();
  const cms = useCms();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  if (!session) {
    // On the sign-in screen itself a "Sign in" button would lead nowhere.
    if (pathname === "/sign-in") return null;
    return <Button component={Link} to="/sign-in" variant="default" size="sm">Sign in</Button>;
  }

  async function leave() {
    const { signOut } = await import("./signInFlow"); // sign-in code: not in every screen's first load
    const revoked = await signOut(cms);
    if (!revoked) {
      notifications.show({ color: "yellow", title: "Signed out in this tab",
        message: "The server could not be told; the session ends by itself within 15 minutes." });
    }
    await navigate("/sign-in");
  }

  // A popover (a dialog), not a menu: it holds the DID and its copy button besides actions,
  // and a menu may hold menu items only.
  return (
    <Popover position="bottom-end" width={300} withinPortal trapFocus>
      <Popover.Target>
        <Button variant="default" size="sm" aria-label={`Account: ${shortDid(session.did)}`}>
          <Text span visibleFrom="xs" ff="monospace" size="sm">{shortDid(session.did)}</Text>
          <Text span hiddenFrom="xs" size="sm">Account</Text>
        </Button>
      </Popover.Target>
      <Popover.Dropdown aria-label="Account">
        <Stack gap="xs">
          <Text size="sm" fw={600}>Signed in as</Text>
          <Group gap={4} wrap="nowrap" align="flex-start">
            <Text ff="monospace" size="xs" style={{ overflowWrap: "anywhere" }}>{session.did}</Text>
            <CopyButton value={session.did}>
              {({ copied, copy }) => (
                <ActionIcon variant="subtle" size="sm" onClick={copy}
                  aria-label={copied ? "DID copied" : "Copy the DID"} title={copied ? "Copied" : "Copy the DID"}>
                  {copied ? <CheckIcon /> : <CopyIcon />}
                </ActionIcon>
              )}
            </CopyButton>
          </Group>
          <Text size="xs">{KEY_KIND[session.keyKind]}</Text>
          <Group gap="xs">
            <Button component={Link} to="/account" variant="default" size="xs">Account and keys</Button>
            <Button variant="default" size="xs" onClick={() => { void leave(); }}>Sign out</Button>
          </Group>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
