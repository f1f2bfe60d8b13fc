import { scheduleRenewal, type CmsApi, type Ed25519Key } from "@cms/sdk";
import { Affix, Button, Group, Paper, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useEffect, useState } from "react";
import { useCms } from "../api/cms";
import { plainProblem } from "../api/problemText";
import { sessionStore, useSession } from "./sessionStore";
import { useSigner } from "./signer";
import { unlockedKey } from "./unlockedKey";

/** Renews the session before its token ends: silently when the browser key is unlocked;
 * otherwise (a wallet must confirm, a locked key must be unlocked) by asking the user in a
 * visible prompt. When it ends anyway, the session is cleared and the guarded screen sends
 * the user to sign-in, and back. */
export function SessionKeeper() {
  const session = useSession();
  const cms = useCms();
  const requestSigner = useSigner();
  // The expiry the user is being asked about: a new session (a new expiry) asks nothing yet.
  const [askedFor, setAskedFor] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!session) return undefined;
    const ask = () => { setAskedFor(session.expiresAt); };
    return scheduleRenewal(session.expiresAt, {
      onDue: () => {
        const key = session.keyKind === "ed25519" ? unlockedKey.of(session.did) : null;
        if (!key) { ask(); return; }
        renewWithKey(cms, key).catch(ask);
      },
      onExpired: () => {
        sessionStore.clear();
        notifications.show({ color: "yellow", title: "Your session has ended",
          message: "Sign in again to continue where you were." });
      },
    });
  }, [session, cms]);

  if (!session || askedFor !== session.expiresAt) return null;

  async function stay() {
    if (!session) return;
    setBusy(true);
    try {
      const { renewSession } = await import("./signInFlow");
      await renewSession(cms, await requestSigner(), session.keyKind);
    } catch (error) {
      notifications.show({ color: "red", title: "The session was not renewed", message: plainProblem(error).title });
    } finally {
      setBusy(false);
    }
  }

  const ends = new Date(session.expiresAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return (
    <Affix position={{ bottom: 16, left: 16, right: 16 }}>
      <Paper withBorder shadow="md" p="sm" maw={520} mx="auto" role="status" aria-live="polite">
        <Group justify="space-between" gap="sm">
          <Text size="sm">Your session ends at {ends}. Stay signed in?</Text>
          <Button size="xs" loading={busy} onClick={() => { void stay(); }}>Stay signed in</Button>
        </Group>
      </Paper>
    </Affix>
  );
}

// Sign-in code loads when a renewal is due, not with every screen.
async function renewWithKey(cms: CmsApi, key: Ed25519Key): Promise<void> {
  const [{ renewSession }, { browserKeySigner }] = await Promise.all([
    import("./signInFlow"), import("./browserKey")]);
  await renewSession(cms, browserKeySigner(key), "ed25519");
}
