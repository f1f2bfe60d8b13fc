import { Button, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { browserKeySigner, createBrowserKey } from "../../auth/browserKey";
import { NewPassphraseFields, newPassphraseProblem, type NewPassphrase } from "../../auth/NewPassphraseFields";
import { ProblemAlert } from "../../auth/ProblemAlert";
import { useSignInAndContinue } from "./useSignInAndContinue";

/** A new Ed25519 key, made in this browser and kept here encrypted; the first sign-in
 * registers its DID. */
export function CreateKeyForm({ onCreated }: { onCreated: () => void }) {
  const signInAndContinue = useSignInAndContinue();
  const [value, setValue] = useState<NewPassphrase>({ passphrase: "", repeated: "" });
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit() {
    setSubmitted(true);
    if (newPassphraseProblem(value)) return;
    setBusy(true);
    setError(null);
    try {
      const key = await createBrowserKey(value.passphrase);
      onCreated();
      await signInAndContinue({ ...browserKeySigner(key), publicKey: key.publicKeyHex }, "ed25519");
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
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
