import { Accordion, Stack, Text, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { storedKeys } from "../../auth/keystore";
import { CreateKeyForm } from "./CreateKeyForm";
import { browserKeySigner } from "../../auth/browserKey";
import { ImportKeyForm } from "../../auth/ImportKeyForm";
import { StoredKeyCard } from "./StoredKeyCard";
import { useSignInAndContinue } from "./useSignInAndContinue";

const STORED_KEYS = ["stored-keys"] as const;

/** Ed25519 keys in this browser: the stored ones, a new one, or one from a key file. */
export function KeyPanel() {
  const queryClient = useQueryClient();
  const signInAndContinue = useSignInAndContinue();
  const keys = useQuery({ queryKey: STORED_KEYS, queryFn: storedKeys, staleTime: Infinity });
  const refresh = () => { void queryClient.invalidateQueries({ queryKey: STORED_KEYS }); };
  const stored = keys.data ?? [];
  return (
    <Stack gap="md">
      {stored.length > 0 && (
        <section aria-labelledby="stored-keys-heading">
          <Title order={2} size="h4" id="stored-keys-heading" mb="xs">Keys in this browser</Title>
          <Stack component="ul" gap="xs" p={0} m={0} style={{ listStyle: "none" }}>
            {stored.map((file) => <StoredKeyCard key={file.did} file={file} onRemoved={refresh} />)}
          </Stack>
        </section>
      )}
      {keys.isSuccess && (
        <Accordion variant="separated" order={2} defaultValue={stored.length ? null : "create"}>
          <Accordion.Item value="create">
            <Accordion.Control>Create a new key</Accordion.Control>
            <Accordion.Panel><CreateKeyForm onCreated={refresh} /></Accordion.Panel>
          </Accordion.Item>
          <Accordion.Item value="import">
            <Accordion.Control>Import a key file</Accordion.Control>
            <Accordion.Panel>
              <ImportKeyForm submitLabel="Import and sign in" onImported={async (key) => {
                refresh();
                await signInAndContinue({ ...browserKeySigner(key), publicKey: key.publicKeyHex }, "ed25519");
              }} />
            </Accordion.Panel>
          </Accordion.Item>
        </Accordion>
      )}
      {keys.isError && <Text c="red" role="alert">This browser does not let the app keep keys (IndexedDB is unavailable).</Text>}
    </Stack>
  );
}
