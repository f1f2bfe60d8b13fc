import { isEncryptedKeyFile, parseKeyFile, type KeyFile } from "@cms/sdk";
import { Button, FileInput, PasswordInput, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { plainProblem } from "../../api/problemText";
import { browserKeySigner, importBrowserKey } from "../../auth/browserKey";
import { shortDid } from "../../auth/shortDid";
import { NewPassphraseFields, newPassphraseProblem, type NewPassphrase } from "./NewPassphraseFields";
import { ProblemAlert } from "./ProblemAlert";
import { useSignInAndContinue } from "./useSignInAndContinue";

// A key file is a few hundred bytes; anything much larger is not one (and is not read).
const MAX_FILE_BYTES = 16 * 1024;

/** A key file (plain or encrypted) brought into this browser, kept here encrypted. */
export function ImportKeyForm({ onImported }: { onImported: () => void }) {
  const signInAndContinue = useSignInAndContinue();
  const [chosen, setChosen] = useState<File | null>(null);
  const [file, setFile] = useState<KeyFile | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [passphrase, setPassphrase] = useState<NewPassphrase>({ passphrase: "", repeated: "" });
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const encrypted = file !== null && isEncryptedKeyFile(file);
  const problem = error ? plainProblem(error) : null;
  const wrongPassphrase = problem?.code === "key_file_passphrase";

  async function choose(picked: File | null) {
    setChosen(picked);
    setFile(null);
    setFileError(null);
    setError(null);
    if (!picked) return;
    try {
      if (picked.size > MAX_FILE_BYTES) throw new Error("it is too large to be a key file");
      setFile(parseKeyFile(await picked.text()));
    } catch (failure) {
      setFileError(`This file cannot be used: ${failure instanceof Error ? failure.message : String(failure)}.`);
    }
  }

  async function submit() {
    setSubmitted(true);
    if (!file || (!encrypted && newPassphraseProblem(passphrase))) return;
    setBusy(true);
    setError(null);
    try {
      const key = await importBrowserKey(file, passphrase.passphrase);
      onImported();
      await signInAndContinue({ ...browserKeySigner(key), publicKey: key.publicKeyHex }, "ed25519");
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(event) => { event.preventDefault(); void submit(); }} noValidate aria-label="Import a key file">
      <Stack gap="sm">
        <FileInput label="Key file" placeholder="Choose a .json key file" accept="application/json,.json"
          value={chosen} onChange={(picked) => { void choose(picked); }} clearable
          clearButtonProps={{ "aria-label": "Remove the chosen file" }}
          error={fileError ?? (submitted && !file ? "Choose a key file." : undefined)} />
        {file && (
          <Text size="sm" role="status">
            A {encrypted ? "passphrase-protected" : "plain (unprotected)"} key for{" "}
            <Text span ff="monospace" title={file.did}>{shortDid(file.did)}</Text>.
          </Text>
        )}
        {file && encrypted && (
          <PasswordInput label="The file's passphrase" required autoComplete="current-password"
            value={passphrase.passphrase} error={wrongPassphrase ? problem.title : undefined}
            onChange={(event) => { setPassphrase({ passphrase: event.currentTarget.value, repeated: "" }); }} />
        )}
        {file && !encrypted && (
          <NewPassphraseFields label="Passphrase to keep it encrypted here" value={passphrase}
            onChange={setPassphrase} showErrors={submitted} />
        )}
        {!wrongPassphrase && <ProblemAlert error={error} />}
        <Button type="submit" loading={busy} disabled={!file} style={{ alignSelf: "flex-start" }}>
          Import and sign in
        </Button>
      </Stack>
    </form>
  );
}
