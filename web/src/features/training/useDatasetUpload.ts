import { present } from "@cms/sdk";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useCms } from "../../api/cms";
import { sha256OfBytes } from "../contract-page/hash";
import { useReader } from "../contract-page/queries";
import { postToPresignedForm } from "../contract-page/uploadFile";
import { trainingKeys, type Dataset } from "./queries";

export type DatasetUploadState =
  | { phase: "idle" }
  | { phase: "hashing" | "uploading" | "checking"; datasetId: string; progress: number }
  | { phase: "registered"; datasetId: string; dataset: Dataset }
  | { phase: "refused"; datasetId: string }
  | { phase: "failed"; datasetId: string; error: unknown };

// The platform checks the archive's format, seals it and registers it when S3 reports the
// upload; a refused archive is deleted without a record, so the only sign of a refusal is
// that the upload is not registered within this time.
const CHECK_WAIT_MS = 60_000;

/** Upload one of the contract's datasets (its provider): hash it here, send it through the
 * presigned form with progress (the attachments' upload code), then wait for the format
 * check to register it with the same SHA-256. The wait reads the datasets' own query, so the
 * table beside it updates from the same reads, and it ends when the screen goes away. */
export function useDatasetUpload(contractId: string) {
  const cms = useCms();
  const queryClient = useQueryClient();
  const key = trainingKeys.datasets(useReader(), contractId);
  const [state, setState] = useState<DatasetUploadState>({ phase: "idle" });
  const running = useRef<AbortController | null>(null);
  useEffect(() => () => { running.current?.abort(); }, []);

  const readDatasets = (): Promise<Dataset[]> => queryClient.query({
    queryKey: key, staleTime: 0,
    queryFn: async () => present((await cms.GET("/api/v1/contracts/{contract_id}/datasets",
      { params: { path: { contract_id: contractId } } })).data).items,
  });

  async function upload(datasetId: string, file: File): Promise<void> {
    running.current?.abort();
    const controller = new AbortController();
    running.current = controller;
    try {
      setState({ phase: "hashing", datasetId, progress: 0 });
      const sha256 = await sha256OfBytes(await file.arrayBuffer());
      const earlier = (await readDatasets()).find((item) => item.id === datasetId)?.registered_at ?? null;
      const grant = present((await cms.POST("/api/v1/contracts/{contract_id}/datasets", {
        params: { path: { contract_id: contractId } }, body: { dataset_id: datasetId, size: file.size } })).data);
      setState({ phase: "uploading", datasetId, progress: 0 });
      await postToPresignedForm(grant.upload, file, `${datasetId}.zip`, (progress) => {
        setState({ phase: "uploading", datasetId, progress });
      });
      setState({ phase: "checking", datasetId, progress: 1 });
      const dataset = await firstRead(readDatasets, registeredAnew(datasetId, sha256, earlier), controller.signal);
      setState(dataset ? { phase: "registered", datasetId, dataset } : { phase: "refused", datasetId });
    } catch (error) {
      if (!controller.signal.aborted) setState({ phase: "failed", datasetId, error });
    }
  }
  return { state, upload };
}

/** Whether a dataset record answers an upload of `sha256`: registered with that hash at
 * another time than the record seen before the upload (`earlier`), so that a re-upload of the
 * same bytes is not taken as checked before its own check has run. */
export function registeredAnew(datasetId: string, sha256: string, earlier: string | null) {
  return (item: Dataset): boolean => item.id === datasetId && item.registered &&
    item.sha256 === sha256 && item.registered_at !== earlier;
}

/** The first dataset `wanted` finds, read with growing pauses; null when it does not appear
 * within CHECK_WAIT_MS; throws the signal's reason when the wait is abandoned. */
export async function firstRead(read: () => Promise<Dataset[]>, wanted: (item: Dataset) => boolean,
  signal: AbortSignal, waitMs = CHECK_WAIT_MS): Promise<Dataset | null> {
  const deadline = Date.now() + waitMs;
  for (let pause = 500; Date.now() < deadline; pause = Math.min(pause * 2, 2_000)) {
    await new Promise((resolve) => setTimeout(resolve, pause));
    signal.throwIfAborted();
    const found = (await read()).find(wanted);
    if (found) return found;
  }
  return null;
}
