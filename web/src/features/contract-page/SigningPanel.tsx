import {
  contentDigest, contractChangedSince, prepareContractSigning, signPrepared, type PreparedSigning,
  type SigningRefusal,
} from "@cms/sdk";
import { Button, Code, List, Stack, Table, Text } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { useCms } from "../../api/cms";
import { useSigner } from "../../auth/signer";
import { MetadataList } from "./MetadataSection";
import { Notice } from "../../app/Notice";
import type { Contract } from "../../contracts/lifecycle";
import { otherMetadata } from "./model";
import classes from "./contractPage.module.css";
import { ProblemAlert } from "../../app/ProblemAlert";
import { contractKeys, useReader } from "./queries";
import { signedFields } from "./signingWords";
import { signedBy } from "./YourSignature";

/**
 * Signing that shows what is signed: only the payload is fetched, and it is checked in the
 * browser against the contract this page shows (the digest recomputed from the content
 * displayed) before the key is asked; the fields are shown in words; a mismatch is refused,
 * naming the value that differs, and the key is never asked. When the page's contract changes
 * after the review (the page polls), the review no longer counts; at sign time everything is
 * checked again against the contract shown then.
 */
export function SigningPanel({ contract, did, disabledWhy }: { contract: Contract; did: string; disabledWhy?: string | undefined }) {
  const cms = useCms();
  const requestSigner = useSigner();
  const queryClient = useQueryClient();
  const contractKey = contractKeys.one(useReader(), contract.id);
  // The contract on screen at this moment: the wallet prompt is awaited, and the page may
  // have been refreshed meanwhile.
  const displayed = useRef(contract);
  useEffect(() => { displayed.current = contract; }, [contract]);
  const review = useMutation({ mutationFn: (shown: Contract) => prepareContractSigning(cms, shown, did) });
  const sign = useMutation({
    mutationFn: async (prepared: PreparedSigning) => {
      const signer = await requestSigner();
      if (signer.did !== did) {
        throw new Error(`The key offered signs as ${signer.did}, not as ${did}, who is signed in. Nothing was signed.`);
      }
      return signPrepared(cms, prepared, signer, displayed.current);
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: contractKey }),
  });
  const prepared = review.data;
  const changed = prepared ? contractChangedSince(prepared.contract, contract) : null;
  return (
    <Stack gap="sm">
      <Button onClick={() => { sign.reset(); review.mutate(contract); }} loading={review.isPending}
        disabled={Boolean(disabledWhy)} style={{ alignSelf: "flex-start" }}>
        {prepared ? "Check again" : "Review what you sign"}
      </Button>
      {disabledWhy && <Text size="sm" c="dimmed">{disabledWhy}</Text>}
      {review.isError && <ProblemAlert error={review.error} />}
      {changed && <Changed />}
      {prepared && !changed && !prepared.check.ok && <Refusal refusal={prepared.check} />}
      {prepared?.check.ok && !changed && (
        <>
          <WhatYouSign prepared={prepared} did={did} />
          <Button loading={sign.isPending} onClick={() => { sign.mutate(prepared); }}
            style={{ alignSelf: "flex-start" }}>
            {prepared.check.typedData ? "Sign with your wallet" : "Sign with your key"}
          </Button>
          {sign.isError && <ProblemAlert error={sign.error} />}
          {/* Until the page's contract lists the signature; then the actions' confirmation says it. */}
          {sign.isSuccess && !signedBy(contract, did) && <Notice color="green" role="status" title="Signed">Your signature was recorded.</Notice>}
        </>
      )}
    </Stack>
  );
}

function Changed() {
  return (
    <Notice color="yellow" role="alert" title="The contract changed since your review">
      <Text size="sm">What you reviewed is no longer what this page shows, so it cannot be signed. Review it again. Your key was not asked to sign anything.</Text>
    </Notice>
  );
}

function Refusal({ refusal }: { refusal: SigningRefusal }) {
  return (
    <Notice color="red" role="alert" title="Not signed: what the server asks you to sign does not match the contract">
      <Stack gap={4}>
        <Text size="sm">{refusal.explanation} Your key was not asked to sign anything.</Text>
        <Text size="sm" className={classes.wrap}>The value that differs: <Code>{refusal.field}</Code></Text>
        <Text size="sm" className={classes.wrap}>Expected (rebuilt in your browser): <Code>{refusal.expected}</Code></Text>
        <Text size="sm" className={classes.wrap}>Received from the server: <Code>{refusal.received}</Code></Text>
      </Stack>
    </Notice>
  );
}

function WhatYouSign({ prepared, did }: { prepared: PreparedSigning; did: string }) {
  const { check, contract, payload } = prepared;
  if (!check.ok) return null;
  const embedded = check.typedData?.message.digest ?? `sha256:${check.digest}`;
  const others = otherMetadata(contract);
  return (
    <Stack gap="xs">
      <Text fw={600}>What you sign</Text>
      <Table.ScrollContainer minWidth={0}>
        <Table layout="fixed" verticalSpacing={4}>
          <Table.Tbody>
            {signedFields(contract, check, did).map((field) => (
              <Table.Tr key={field.label}>
                <Table.Th w="30%" scope="row">{field.label}</Table.Th>
                <Table.Td className={classes.wrap}>
                  <Code>{field.value}</Code>{field.note && <Text size="xs" c="dimmed">{field.note}</Text>}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {others.length > 0 && (
        <Stack gap={4} role="group" aria-label="Other details the digest covers">
          <Text size="sm">The digest also covers these other details of the contract:</Text>
          <MetadataList entries={others} />
        </Stack>
      )}
      {check.message && (
        <>
          <Text size="sm">The exact text your key signs:</Text>
          <Code block className={classes.wrap} style={{ whiteSpace: "pre-wrap" }}>{check.message}</Code>
        </>
      )}
      <Text size="sm">Checked in your browser before your key is asked; all agree:</Text>
      <List size="sm" className={classes.wrap} spacing={2}>
        <List.Item>✓ Digest recomputed here from the content shown: <Code>{contentDigest(contract)}</Code></List.Item>
        <List.Item>✓ The contract&apos;s frozen digest: <Code>{contract.digest}</Code></List.Item>
        <List.Item>✓ The signing payload&apos;s digest: <Code>{payload.digest}</Code></List.Item>
        <List.Item>✓ The digest inside {check.typedData ? "the typed data" : "the message"}: <Code>{embedded}</Code></List.Item>
      </List>
    </Stack>
  );
}
