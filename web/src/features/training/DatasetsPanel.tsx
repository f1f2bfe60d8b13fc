import { Button, Code, FileInput, Group, Progress, Select, Stack, Table, Text, Title } from "@mantine/core";
import { useState } from "react";
import { formatInstant } from "../../contracts/lifecycle";
import { Notice } from "../../app/Notice";
import { ProblemAlert } from "../../app/ProblemAlert";
import { StateBadge } from "../contract-page/StateBadge";
import { useDatasets } from "./queries";
import { useDatasetUpload, type DatasetUploadState } from "./useDatasetUpload";

/** The contract's datasets (registered and sealed or not, version, hash, examples) and, for
 * its provider while the contract is signed or active, the upload. */
export function DatasetsPanel({ contractId, datasetIds, canUpload }: { contractId: string; datasetIds: string[]; canUpload: boolean }) {
  const { state, upload } = useDatasetUpload(contractId);
  const busy = state.phase === "hashing" || state.phase === "uploading" || state.phase === "checking";
  const datasets = useDatasets(contractId);
  return (
    <Stack gap="xs">
      <Title order={3} size="h4">Datasets</Title>
      {datasets.isError && <ProblemAlert error={datasets.error} />}
      {datasets.data && (
        <Table.ScrollContainer minWidth={0}>
          <Table withTableBorder verticalSpacing={4} aria-label="The contract's datasets">
            <Table.Thead>
              <Table.Tr><Table.Th>Dataset</Table.Th><Table.Th>State</Table.Th><Table.Th>Details</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {datasets.data.map((dataset) => (
                <Table.Tr key={dataset.id}>
                  <Table.Td><Code>{dataset.id}</Code></Table.Td>
                  <Table.Td style={{ whiteSpace: "nowrap" }}>
                    <StateBadge color={dataset.registered ? "green" : "gray"} data-testid={`dataset-state-${dataset.id}`}>
                      {dataset.registered ? "Registered" : "Not uploaded"}
                    </StateBadge>
                  </Table.Td>
                  <Table.Td style={{ overflowWrap: "anywhere" }}>
                    {dataset.registered ? (
                      <Text size="xs">
                        Format checked and sealed for the enclave: {dataset.train_examples ?? "?"} training and {dataset.test_examples ?? "?"} test examples,
                        {" "}{dataset.size ?? "?"} bytes, registered {formatInstant(dataset.registered_at)}; version <Code>{dataset.version ?? "none"}</Code>;
                        SHA-256 <Code>{dataset.sha256}</Code>
                      </Text>
                    ) : <Text size="xs" c="dimmed">—</Text>}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {canUpload && <UploadForm datasetIds={datasetIds} busy={busy} onUpload={(id, file) => { void upload(id, file); }} />}
      <UploadProgress state={state} />
    </Stack>
  );
}

function UploadForm({ datasetIds, busy, onUpload }: { datasetIds: string[]; busy: boolean; onUpload: (id: string, file: File) => void }) {
  const [datasetId, setDatasetId] = useState<string | null>(datasetIds[0] ?? null);
  const [file, setFile] = useState<File | null>(null);
  return (
    <form onSubmit={(event) => { event.preventDefault(); if (datasetId && file) onUpload(datasetId, file); }}>
      <Group align="end" gap="xs" wrap="wrap">
        <Select label="Dataset to upload" data={datasetIds} value={datasetId} onChange={setDatasetId} allowDeselect={false} w={180} />
        <FileInput label="Archive (zip of the four MNIST IDX files)" accept=".zip,application/zip" value={file}
          onChange={setFile} clearable clearButtonProps={{ "aria-label": "Clear the chosen archive" }} w={280} />
        <Button type="submit" disabled={!datasetId || !file} loading={busy}>Upload dataset</Button>
      </Group>
    </form>
  );
}

function UploadProgress({ state }: { state: DatasetUploadState }) {
  if (state.phase === "idle") return null;
  if (state.phase === "failed") return <ProblemAlert error={state.error} />;
  if (state.phase === "refused") {
    return (
      <Notice color="red" title="The dataset was not registered" role="alert">
        The platform did not register {state.datasetId} within a minute: its format check refused the archive (it must be a
        zip of the four MNIST IDX files, raw or gzipped), and the upload was deleted.
      </Notice>
    );
  }
  if (state.phase === "registered") {
    return (
      <Notice color="green" title="Dataset registered" role="status">
        {state.datasetId} passed the format check and is sealed for the enclave: {state.dataset.train_examples ?? "?"} training
        and {state.dataset.test_examples ?? "?"} test examples.
      </Notice>
    );
  }
  const words = { hashing: "Hashing the archive", uploading: "Uploading", checking: "Checking the format and sealing" }[state.phase];
  return (
    <Stack gap={4} role="status">
      <Text size="sm">{words}…</Text>
      <Progress value={Math.round(state.progress * 100)} aria-label={`${words}: ${String(Math.round(state.progress * 100))}%`}
        animated={state.phase === "checking"} />
    </Stack>
  );
}
