/** A WebAssembly module as the deploy request carries it. */
export interface ModuleCode { code: string; encoding: "wat" | "base64"; fileName: string }

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
const MAX_BINARY_BYTES = 512 * 1024;

/** A chosen file as WAT text or a base64 binary (told apart by the `\0asm` magic, not the
 * name), or why it cannot be one. */
export async function readModule(file: File): Promise<ModuleCode | { error: string }> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (WASM_MAGIC.every((byte, index) => bytes[index] === byte)) {
    if (bytes.length > MAX_BINARY_BYTES) return { error: "A binary module is at most 512 KiB." };
    return { code: toBase64(bytes), encoding: "base64", fileName: file.name };
  }
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  if (!text.includes("(module")) {
    return { error: "This is neither a WebAssembly binary nor WAT text (which holds “(module …)”)." };
  }
  return { code: text, encoding: "wat", fileName: file.name };
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  // In chunks: String.fromCharCode takes a bounded number of arguments.
  for (let offset = 0; offset < bytes.length; offset += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000));
  }
  return btoa(binary);
}
