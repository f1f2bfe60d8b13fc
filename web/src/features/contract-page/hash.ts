import { sha256Hex } from "@cms/sdk";

/** Lower-case hex SHA-256 of bytes: WebCrypto where the page has it (native, off the main
 * thread's JS), the SDK's otherwise (an insecure origin has no crypto.subtle). */
export async function sha256OfBytes(bytes: ArrayBuffer): Promise<string> {
  if (typeof crypto !== "undefined" && "subtle" in crypto) {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
  }
  return sha256Hex(new Uint8Array(bytes));
}
