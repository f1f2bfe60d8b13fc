import { isEncryptedKeyFile, parseKeyFile, type Ed25519Key, type KeyFile } from "@cms/sdk";
import { Button, FileInput, PasswordInput, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { plainProblem } from "../api/problemText";
import { importBrowserKey } from "./browserKey";
import { NewPassphraseFields, newPassphraseProblem, type NewPassphrase } from "./NewPassphraseFields";
import { ProblemAlert } from "../app/ProblemAlert";
import { shortDid } from "./shortDid";

// A key file is a few hundred bytes; anything much larger is not one (and is not read).
const MAX_FILE_BYTES = 16 * 1024;

/** A key file (plain or encrypted) brought into this browser, kept here encrypted and
 * unlocked; `onImported` goes on from there (signs in, or signs what was waiting). */
export function ImportKeyForm({ onImported, submitLabel, expectedDid }: {
  onImported: (key: Ed25519Key) => Promise<void>;
  submitLabel: string;
  /** The only DID whose key may be imported here (the signed-in one), if any. */
  expectedDid?: string;
}) {
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
      const parsed = parseKeyFile(await picked.text());
      if (expectedDid && parsed.did !== expectedDid) {
        throw new Error(`it holds the key of ${shortDid(parsed.did)}, not of ${shortDid(expectedDid)}`);
      }
      setFile(parsed);
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
      await onImported(await importBrowserKey(file, passphrase.passphrase));
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
          {submitLabel}
        </Button>
      </Stack>
    </form>
  );
}
