import { present, type CmsApi } from "@cms/sdk";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
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
 * check to register it with the same SHA-256. */
export function useDatasetUpload(contractId: string) {
  const cms = useCms();
  const queryClient = useQueryClient();
  const key = trainingKeys.datasets(useReader(), contractId);
  const [state, setState] = useState<DatasetUploadState>({ phase: "idle" });

  async function upload(datasetId: string, file: File): Promise<void> {
    try {
      setState({ phase: "hashing", datasetId, progress: 0 });
      const sha256 = await sha256OfBytes(await file.arrayBuffer());
      const grant = present((await cms.POST("/api/v1/contracts/{contract_id}/datasets", {
        params: { path: { contract_id: contractId } }, body: { dataset_id: datasetId, size: file.size } })).data);
      setState({ phase: "uploading", datasetId, progress: 0 });
      await postToPresignedForm(grant.upload, file, `${datasetId}.zip`, (progress) => {
        setState({ phase: "uploading", datasetId, progress });
      });
      setState({ phase: "checking", datasetId, progress: 1 });
      const dataset = await registeredWith(cms, contractId, datasetId, sha256);
      setState(dataset ? { phase: "registered", datasetId, dataset } : { phase: "refused", datasetId });
      await queryClient.invalidateQueries({ queryKey: key });
    } catch (error) {
      setState({ phase: "failed", datasetId, error });
    }
  }
  return { state, upload };
}

/** The dataset once registered with this content's hash; null if that does not happen in time. */
async function registeredWith(cms: CmsApi, contractId: string, datasetId: string, sha256: string): Promise<Dataset | null> {
  const deadline = Date.now() + CHECK_WAIT_MS;
  for (let wait = 500; Date.now() < deadline; wait = Math.min(wait * 2, 2_000)) {
    await new Promise((resolve) => setTimeout(resolve, wait));
    const items = present((await cms.GET("/api/v1/contracts/{contract_id}/datasets",
      { params: { path: { contract_id: contractId } } })).data).items;
    const found = items.find((item) => item.id === datasetId && item.registered && item.sha256 === sha256);
    if (found) return found;
  }
  return null;
}
