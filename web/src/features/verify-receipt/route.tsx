import { Anchor, Button, Stack, Text, TextInput, Title } from "@mantine/core";
import { useLocalStorage } from "@mantine/hooks";
import { useMutation } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useRuntimeConfig } from "../../api/runtimeConfigContext";
import { ReceiptFileInput } from "./ReceiptFileInput";
import { VerificationReport } from "./VerificationReport";
import { inputErrors, verifyInBrowser, type FieldErrors } from "./verifyInBrowser";

/** /verify: anyone, signed in or not, checks a receipt in this browser against a chain. */
export function Component() {
  const config = useRuntimeConfig();
  const [file, setFile] = useState<File | null>(null);
  // Kept across visits: a verifier usually checks several receipts against one chain and ledger.
  const [rpcUrl, setRpcUrl] = useLocalStorage({ key: "cms.verify.rpcUrl", defaultValue: config.chainRpcUrl ?? "", getInitialValueInEffect: false });
  const [pin, setPin] = useLocalStorage({ key: "cms.verify.ledger", defaultValue: "", getInitialValueInEffect: false });
  const [errors, setErrors] = useState<FieldErrors>({});
  const verification = useMutation({ mutationFn: verifyInBrowser });

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    const found = inputErrors({ file, rpcUrl, pin });
    setErrors(found);
    if (file !== null && !Object.keys(found).length) verification.mutate({ file, rpcUrl, pin });
  };

  return (
    <Stack gap="md" maw={820}>
      <Title order={1}>Verify a receipt</Title>
      <Text>
        A contract's receipt holds the contract, every event of its history with the signatures, and
        the proofs that anchor them on a public chain. This page checks all of it here, in your browser,
        against a chain endpoint you choose: it trusts no server of ours.
      </Text>
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <ReceiptFileInput file={file} onChange={(chosen) => { setFile(chosen); verification.reset(); }} error={errors.file ?? null} />
          <TextInput label="Chain RPC URL" value={rpcUrl} onChange={(event) => { setRpcUrl(event.currentTarget.value); verification.reset(); }}
            error={errors.rpcUrl} placeholder="https://…" autoComplete="url"
            description={config.chainRpcUrl
              ? "The operator's endpoint is filled in; use your own node or a provider you trust to depend on no one."
              : "A JSON-RPC endpoint of the chain the receipt is anchored on: your own node or a provider you trust."} />
          <TextInput label="Trusted ledger (CHAIN_ID:ADDRESS)" value={pin} onChange={(event) => { setPin(event.currentTarget.value); verification.reset(); }}
            error={errors.pin} placeholder="1:0x…" spellCheck={false}
            description={<>Optional, but without it the verdict can only be incomplete: anyone can deploy a ledger and anchor a forged history on it, so a receipt cannot vouch for its own ledger. Pin the ledger the operator published (<Anchor href={`${config.apiUrl}/api/v1/ledger`} target="_blank" rel="noreferrer" size="xs" underline="always">/api/v1/ledger</Anchor>), obtained out of band.</>} />
          <Button type="submit" loading={verification.isPending} style={{ alignSelf: "flex-start" }}>Verify receipt</Button>
        </Stack>
      </form>
      {/* A verdict holds for the file, chain and ledger it was reached with: changing any clears it. */}
      <div aria-live="polite">
        {verification.isPending && <Text>Checking the receipt against the chain…</Text>}
        {verification.data && <VerificationReport report={verification.data} />}
        {verification.error && <Text c="red">The file could not be read: {verification.error.message}</Text>}
      </div>
    </Stack>
  );
}
