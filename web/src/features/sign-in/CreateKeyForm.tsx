import { Button, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { createBrowserKey } from "../../auth/browserKey";
import { NewPassphraseFields, newPassphraseProblem, type NewPassphrase } from "../../auth/NewPassphraseFields";
import { ProblemAlert } from "../../app/ProblemAlert";
import { useBrowserKeySignIn } from "./useSignInAndContinue";

/** A new Ed25519 key, made in this browser and kept here encrypted; the first sign-in
 * registers its DID. */
export function CreateKeyForm({ onCreated }: { onCreated: () => void }) {
  const { busy, error, signIn } = useBrowserKeySignIn();
  const [value, setValue] = useState<NewPassphrase>({ passphrase: "", repeated: "" });
  const [submitted, setSubmitted] = useState(false);

  async function submit() {
    setSubmitted(true);
    if (newPassphraseProblem(value)) return;
    await signIn(async () => {
      const key = await createBrowserKey(value.passphrase);
      onCreated();
      return key;
    });
  }

  return (
    <form onSubmit={(event) => { event.preventDefault(); void submit(); }} noValidate aria-label="Create a new key">
      <Stack gap="sm">
        <Text size="sm">
          The key is made in this browser and never leaves it: the server only learns its
          public half. It is kept here encrypted under your passphrase.
        </Text>
        <NewPassphraseFields value={value} onChange={setValue} showErrors={submitted} />
        <ProblemAlert error={error} />
        <Button type="submit" loading={busy} style={{ alignSelf: "flex-start" }}>
          Create key and sign in
        </Button>
      </Stack>
    </form>
  );
}
