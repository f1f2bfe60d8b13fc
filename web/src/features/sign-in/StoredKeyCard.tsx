import type { EncryptedKeyFile } from "@cms/sdk";
import { Badge, Button, Card, Group, PasswordInput, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { plainProblem } from "../../api/problemText";
import { unlockBrowserKey } from "../../auth/browserKey";
import { downloadKeyFile } from "../../auth/downloadKeyFile";
import { shortDid } from "../../auth/shortDid";
import { useUnlockedKey } from "../../auth/unlockedKey";
import { ProblemAlert } from "../../app/ProblemAlert";
import { RemoveKeyButton } from "./RemoveKeyButton";
import { useBrowserKeySignIn } from "./useSignInAndContinue";

/** A key kept in this browser: unlock it with its passphrase and sign in, export or remove it. */
export function StoredKeyCard({ file, onRemoved }: { file: EncryptedKeyFile; onRemoved: () => void }) {
  const { busy, error, signIn, fail } = useBrowserKeySignIn();
  const unlocked = useUnlockedKey();
  const isUnlocked = unlocked?.did === file.did;
  const [passphrase, setPassphrase] = useState("");
  const problem = error ? plainProblem(error) : null;
  const wrongPassphrase = problem?.code === "key_file_passphrase";

  async function submit() {
    await signIn(async () => {
      const key = unlocked?.did === file.did ? unlocked : await unlockBrowserKey(file.did, passphrase);
      setPassphrase("");
      return key;
    });
  }

  return (
    <Card withBorder padding="sm" component="li">
      <form onSubmit={(event) => { event.preventDefault(); void submit(); }} aria-label={`Sign in with ${shortDid(file.did)}`}>
        <Stack gap="xs">
          <Group justify="space-between" wrap="wrap" gap="xs">
            <Text ff="monospace" size="sm" title={file.did} style={{ overflowWrap: "anywhere" }}>
              {shortDid(file.did)}
            </Text>
            <Badge variant="light" color={isUnlocked ? "teal" : "gray"}>{isUnlocked ? "Unlocked" : "Locked"}</Badge>
          </Group>
          {!isUnlocked && (
            <PasswordInput label="Passphrase" autoComplete="current-password" value={passphrase}
              error={wrongPassphrase ? problem.title : undefined}
              onChange={(event) => { setPassphrase(event.currentTarget.value); }} />
          )}
          {!wrongPassphrase && <ProblemAlert error={error} />}
          <Group gap="xs">
            <Button type="submit" loading={busy} disabled={!isUnlocked && !passphrase}>
              {isUnlocked ? "Sign in" : "Unlock and sign in"}
            </Button>
            <Button variant="default" onClick={() => { void downloadKeyFile(file.did).catch(fail); }}>
              Export key file
            </Button>
            <RemoveKeyButton did={file.did} onRemoved={onRemoved} />
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
