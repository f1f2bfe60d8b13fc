import { exportBrowserKey } from "./browserKey";

/** Saves a stored key's encrypted file through the browser's download (a blob URL: the file
 * never goes through a server). */
export async function downloadKeyFile(did: string): Promise<void> {
  const text = await exportBrowserKey(did);
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  try {
    const link = document.createElement("a");
    link.href = url;
    link.download = `cms-key-${did.slice(-8)}.json`;
    link.click();
  } finally {
    // After the click has handed the URL to the download.
    setTimeout(() => { URL.revokeObjectURL(url); }, 0);
  }
}
