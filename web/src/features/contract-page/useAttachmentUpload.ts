import { CmsProblem, type CmsApi } from "@cms/sdk";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useCms } from "../../api/cms";
import { sha256OfBytes } from "./hash";
import { contractKeys, present, useReader } from "./queries";
import { postToPresignedForm } from "./uploadFile";

export type UploadState =
  | { phase: "idle" }
  | { phase: "hashing" | "uploading" | "registering"; name: string; sha256?: string; progress: number }
  | { phase: "done"; name: string; sha256: string; matches: boolean; serverSha256: string }
  | { phase: "failed"; name: string; error: unknown };

export const ATTACHMENT_TYPES = ["application/json", "application/pdf", "application/zip",
  "image/jpeg", "image/png", "text/csv", "text/markdown", "text/plain"] as const;

const REGISTRATION_WAIT_MS = 60_000;

/** Attach a file to a draft: hash it here, upload it through the presigned form with progress,
 * wait for the platform to register it, and compare the SHA-256 it records with ours. */
export function useAttachmentUpload(contractId: string) {
  const cms = useCms();
  const queryClient = useQueryClient();
  const contractKey = contractKeys.one(useReader(), contractId);
  const [state, setState] = useState<UploadState>({ phase: "idle" });

  async function upload(file: File, mediaType: string): Promise<void> {
    const name = file.name;
    try {
      setState({ phase: "hashing", name, progress: 0 });
      const sha256 = await sha256OfBytes(await file.arrayBuffer());
      const grant = present((await cms.POST("/api/v1/contracts/{contract_id}/attachments", {
        params: { path: { contract_id: contractId } },
        body: { name, media_type: mediaType as (typeof ATTACHMENT_TYPES)[number], size: file.size },
      })).data);
      setState({ phase: "uploading", name, sha256, progress: 0 });
      await postToPresignedForm(grant.upload, file, name, (progress) => {
        setState({ phase: "uploading", name, sha256, progress });
      });
      setState({ phase: "registering", name, sha256, progress: 1 });
      const record = await registered(cms, contractId, grant.attachment_id);
      setState({ phase: "done", name, sha256, serverSha256: record.sha256, matches: record.sha256 === sha256 });
      await queryClient.invalidateQueries({ queryKey: contractKey });
    } catch (error) {
      setState({ phase: "failed", name, error });
    }
  }
  return { state, upload };
}

/** The attachment's record, once the platform has hashed and registered the upload (until then
 * the API answers 404). */
async function registered(cms: CmsApi, contractId: string, attachmentId: string) {
  const deadline = Date.now() + REGISTRATION_WAIT_MS;
  for (let wait = 250; ; wait = Math.min(wait * 2, 2_000)) {
    try {
      return present((await cms.GET("/api/v1/contracts/{contract_id}/attachments/{attachment_id}", {
        params: { path: { contract_id: contractId, attachment_id: attachmentId } } })).data);
    } catch (error) {
      const pending = error instanceof CmsProblem && error.status === 404;
      if (!pending || Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
