import type { CmsApi } from "@cms/sdk";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useCms } from "../../api/cms";
import { revalidate, type Tagged } from "../../api/livePolling";
import type { Contract } from "../../contracts/lifecycle";
import { sha256OfBytes } from "./hash";
import { attachmentsOf, type AttachmentRecord } from "./model";
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
      const record = await registered(cms, contractId, grant.attachment_id,
        (contract) => { queryClient.setQueryData(contractKey, contract); });
      setState({ phase: "done", name, sha256, serverSha256: record.sha256, matches: record.sha256 === sha256 });
    } catch (error) {
      setState({ phase: "failed", name, error });
    }
  }
  return { state, upload };
}

/** The attachment as the contract records it, once the platform has hashed and registered the
 * upload. The contract is read (conditionally: unchanged, it costs a 304), never the
 * attachment's own record: that answers 404 until registration, and the browser logs every
 * 404 as a failed resource. The last reading goes to the page's cache. */
async function registered(cms: CmsApi, contractId: string, attachmentId: string,
  keep: (contract: Contract) => void): Promise<AttachmentRecord> {
  const deadline = Date.now() + REGISTRATION_WAIT_MS;
  let last: Tagged<Contract> | undefined;
  for (let wait = 250; ; wait = Math.min(wait * 2, 2_000)) {
    const reading = await revalidate(last, (header) => cms.GET("/api/v1/contracts/{contract_id}",
      { params: { path: { contract_id: contractId }, header } }));
    const record = attachmentsOf(reading.data).find((attachment) => attachment.id === attachmentId);
    if (record) {
      keep(reading.data);
      return record;
    }
    if (Date.now() > deadline) {
      throw new Error("The platform did not record the file within a minute: it may have refused it (its size or type), or be slow. Reload the page to see whether it was attached.");
    }
    last = reading;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
