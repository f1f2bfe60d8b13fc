import type { Ed25519Key } from "@cms/sdk";
import { Button, Group, Modal, PasswordInput, Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { plainProblem } from "../api/problemText";
import { unlockBrowserKey } from "./browserKey";
import { ImportKeyForm } from "./ImportKeyForm";
import { storedKey } from "./keystore";
import { shortDid } from "./shortDid";

/** Asks for the passphrase of the signed-in key when something must be signed and the key
 * is locked (after a reload: the unlocked key lives only in memory); or, when this browser
 * does not hold the key (signed in elsewhere), for its key file. */
export default function UnlockKeyDialog({ did, onUnlocked, onCancel }: {
  did: string;
  onUnlocked: (key: Ed25519Key) => void;
  onCancel: () => void;
}) {
  const [passphrase, setPassphrase] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      onUnlocked(await unlockBrowserKey(did, passphrase));
    } catch (failure) {
      setError(plainProblem(failure).title);
    } finally {
      setBusy(false);
    }
  }

  const stored = useQuery({ queryKey: ["stored-keys", did], queryFn: async () => (await storedKey(did)) ?? null });
  if (stored.data === null) {
    return (
      <Modal opened onClose={onCancel} closeButtonProps={{ "aria-label": "Close" }} title="Import your key" centered>
        <Stack gap="sm">
          <Text size="sm">
            Something needs your signature, and this browser does not hold the key of{" "}
            <Text span ff="monospace" title={did}>{shortDid(did)}</Text>. Import its key file.
          </Text>
          <ImportKeyForm expectedDid={did} submitLabel="Import and unlock"
            onImported={(key) => { onUnlocked(key); return Promise.resolve(); }} />
          <Group justify="flex-end"><Button variant="default" onClick={onCancel}>Cancel</Button></Group>
        </Stack>
      </Modal>
    );
  }
  return (
    <Modal opened onClose={onCancel} closeButtonProps={{ "aria-label": "Close" }} title="Unlock your key" centered>
      <form onSubmit={(event) => { event.preventDefault(); void submit(); }}>
        <Stack gap="sm">
          <Text size="sm">
            Something needs your signature. Enter the passphrase of the key{" "}
            <Text span ff="monospace" title={did}>{shortDid(did)}</Text> kept in this browser.
          </Text>
          <PasswordInput label="Passphrase" autoComplete="current-password" data-autofocus
            value={passphrase} error={error}
            onChange={(event) => { setPassphrase(event.currentTarget.value); }} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onCancel}>Cancel</Button>
            <Button type="submit" loading={busy} disabled={!passphrase}>Unlock</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
