import type { Schemas } from "@cms/sdk";

export type UploadForm = Schemas["UploadForm"];

/** Send a file through a presigned POST (every field, then the file), reporting progress as a
 * fraction. XMLHttpRequest, not fetch: only it reports upload progress in browsers today. */
export function postToPresignedForm(form: UploadForm, file: Blob, name: string,
  onProgress: (fraction: number) => void): Promise<void> {
  const body = new FormData();
  for (const [field, value] of Object.entries(form.fields)) body.append(field, value);
  body.append("file", file, name);
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", form.url);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) { onProgress(1); resolve(); }
      else reject(new Error(`The storage refused the upload (HTTP ${request.status}).`));
    };
    request.onerror = () => { reject(new Error("The upload could not reach the storage.")); };
    request.send(body);
  });
}

/** Offer bytes to the user as a file to save. */
export function saveFile(data: BlobPart, name: string, mediaType: string): void {
  const url = URL.createObjectURL(new Blob([data], { type: mediaType }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.rel = "noopener";
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the link; the object URL can go after this turn.
  setTimeout(() => { URL.revokeObjectURL(url); }, 0);
}
