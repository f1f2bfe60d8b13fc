import { Button, Code, FileInput, Group, NativeSelect, Progress, Stack, Table, Text } from "@mantine/core";
import { useId, useState } from "react";
import { useCms } from "../../api/cms";
import { plainProblem } from "../../api/problemText";
import { Notice } from "../../app/Notice";
import { sha256OfBytes } from "./hash";
import { roleOf, type Contract } from "../../contracts/lifecycle";
import { attachmentsOf, formatBytes, type AttachmentRecord } from "./model";
import classes from "./contractPage.module.css";
import { present } from "./queries";
import { Section } from "./Section";
import { saveFile } from "./uploadFile";
import { ATTACHMENT_TYPES, useAttachmentUpload, type UploadState } from "./useAttachmentUpload";

export function AttachmentsSection({ contract, did }: { contract: Contract; did: string }) {
  const attachments = attachmentsOf(contract);
  const canAttach = contract.status === "draft" && roleOf(contract, did) !== null;
  return (
    <Section title="Attachments">
      {attachments.length === 0
        ? <Text c="dimmed">No attachments.</Text>
        : <AttachmentTable contractId={contract.id} attachments={attachments} />}
      {canAttach ? <AttachForm contractId={contract.id} />
        : <Text size="sm" c="dimmed">Files can be attached to a draft only, by its parties: the digest then covers them.</Text>}
    </Section>
  );
}

function AttachmentTable({ contractId, attachments }: { contractId: string; attachments: AttachmentRecord[] }) {
  return (
    <Table.ScrollContainer minWidth={0}>
      <Table layout="fixed" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr><Table.Th>Name</Table.Th><Table.Th w="22%">Size</Table.Th><Table.Th>SHA-256</Table.Th></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {attachments.map((attachment) => (
            <Table.Tr key={attachment.id}>
              <Table.Td className={classes.wrap}>
                <Stack gap={2} align="flex-start">
                  <Text size="sm">{attachment.name}</Text>
                  <DownloadAttachment contractId={contractId} attachment={attachment} />
                </Stack>
              </Table.Td>
              <Table.Td>{formatBytes(attachment.size)}</Table.Td>
              <Table.Td className={classes.wrap}><Code>{attachment.sha256}</Code></Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** Downloads through a short-lived link, and saves the file only if it hashes to its record. */
function DownloadAttachment({ contractId, attachment }: { contractId: string; attachment: AttachmentRecord }) {
  const cms = useCms();
  const [problem, setProblem] = useState<string | null>(null);
  async function download() {
    setProblem(null);
    try {
      const link = present((await cms.GET("/api/v1/contracts/{contract_id}/attachments/{attachment_id}", {
        params: { path: { contract_id: contractId, attachment_id: attachment.id } } })).data);
      const bytes = await (await fetch(link.url, { credentials: "omit" })).arrayBuffer();
      const sha256 = await sha256OfBytes(bytes);
      if (sha256 !== attachment.sha256) {
        setProblem(`The downloaded file's SHA-256 is ${sha256}, not the ${attachment.sha256} the contract records: it was not saved.`);
        return;
      }
      saveFile(bytes, attachment.name, attachment.media_type || "application/octet-stream");
    } catch (error) {
      setProblem(plainProblem(error).title);
    }
  }
  return (
    <>
      <Button variant="default" size="compact-xs" onClick={() => { void download(); }}
        aria-label={`Download ${attachment.name}`}>Download</Button>
      {problem && <Text size="xs" c="red" role="alert">{problem}</Text>}
    </>
  );
}

const BY_EXTENSION: Record<string, string> = {
  json: "application/json", pdf: "application/pdf", zip: "application/zip", jpg: "image/jpeg",
  jpeg: "image/jpeg", png: "image/png", csv: "text/csv", md: "text/markdown", txt: "text/plain",
};

function guessType(file: File): string {
  if ((ATTACHMENT_TYPES as readonly string[]).includes(file.type)) return file.type;
  return BY_EXTENSION[file.name.split(".").pop()?.toLowerCase() ?? ""] ?? "";
}

function AttachForm({ contractId }: { contractId: string }) {
  const { state, upload } = useAttachmentUpload(contractId);
  const [file, setFile] = useState<File | null>(null);
  const [mediaType, setMediaType] = useState("");
  const busy = state.phase === "hashing" || state.phase === "uploading" || state.phase === "registering";
  const problem = state.phase === "failed" ? plainProblem(state.error) : null;
  return (
    <Stack gap="xs" component="form" onSubmit={(event) => {
      event.preventDefault();
      if (file && mediaType) void upload(file, mediaType);
    }}>
      <Group align="flex-end" gap="sm" wrap="wrap">
        <FileInput label="File to attach" value={file} clearable clearButtonProps={{ "aria-label": "Remove the chosen file" }}
          style={{ flex: "1 1 12rem", minWidth: 0 }}
          onChange={(next) => { setFile(next); setMediaType(next ? guessType(next) : ""); }}
          error={problem?.fields["/name"] ?? problem?.fields["/size"]} />
        <NativeSelect label="Type" value={mediaType} onChange={(event) => { setMediaType(event.currentTarget.value); }}
          data={[{ value: "", label: "Choose…" }, ...ATTACHMENT_TYPES.map((type) => ({ value: type, label: type }))]}
          error={problem?.fields["/media_type"] ?? (file && !mediaType ? "This kind of file cannot be attached" : undefined)} />
        <Button type="submit" disabled={!file || !mediaType || busy} loading={busy}>Attach</Button>
      </Group>
      <UploadProgress state={state} />
      {problem && <Notice color="red" role="alert" title={problem.title}>{problem.detail}</Notice>}
    </Stack>
  );
}

const PHASE_WORDS = { hashing: "Computing its SHA-256", uploading: "Uploading", registering: "Waiting for the platform to record" };

function UploadProgress({ state }: { state: UploadState }) {
  const labelId = useId();
  if (state.phase === "idle" || state.phase === "failed") return null;
  if (state.phase === "done") {
    return (
      <Notice color={state.matches ? "green" : "red"} role="status" title={state.matches
        ? `${state.name} is attached` : `${state.name}: the recorded hash differs from the file's`}>
        <Text size="sm" className={classes.wrap}>
          SHA-256 computed in your browser <Code>{state.sha256}</Code>
          {state.matches ? " matches the one the platform recorded." : <>; the platform recorded <Code>{state.serverSha256}</Code>.</>}
        </Text>
      </Notice>
    );
  }
  const percent = Math.round(state.progress * 100);
  return (
    <Stack gap={4}>
      <Text size="sm" id={labelId}>{PHASE_WORDS[state.phase]} {state.name}: {percent}%</Text>
      <Progress.Root>
        <Progress.Section value={percent} aria-labelledby={labelId} animated={state.phase !== "uploading"} />
      </Progress.Root>
      {state.sha256 && <Text size="xs" className={classes.wrap}>SHA-256 computed in your browser: <Code>{state.sha256}</Code></Text>}
    </Stack>
  );
}
