import { MAX_RECEIPT_BYTES, parseTrustedLedger, rpcChainView, verifyReceipt, type ReceiptReport, type TrustedLedger } from "@cms/sdk";

export interface VerificationInput { file: File | null; rpcUrl: string; pin: string }
export type FieldErrors = Partial<Record<keyof VerificationInput, string>>;

/** What must be fixed before the receipt can be checked, by field (empty: nothing). */
export function inputErrors(input: VerificationInput): FieldErrors {
  const errors: FieldErrors = {};
  if (input.file === null) errors.file = "Choose or drop a receipt file.";
  else if (input.file.size > MAX_RECEIPT_BYTES) {
    errors.file = `This file has ${String(input.file.size)} bytes; a receipt has at most ${String(MAX_RECEIPT_BYTES)}.`;
  }
  if (!/^https?:\/\/[^\s]+$/i.test(input.rpcUrl.trim())) errors.rpcUrl = "Enter the http(s) URL of a JSON-RPC endpoint of the receipt's chain.";
  if (input.pin.trim() && parseTrustedLedger(input.pin.trim()) === null) {
    errors.pin = "Write it as CHAIN_ID:ADDRESS, for example 1:0x5FbDB2315678afecb367f032d93F642f64180aa3.";
  }
  return errors;
}

/** Runs the SDK's verifier here in the browser: the file is read locally, the chain is asked
 * through the RPC URL the user chose, and no server of ours is involved. */
export async function verifyInBrowser(input: VerificationInput & { file: File }): Promise<ReceiptReport> {
  const raw = new Uint8Array(await input.file.arrayBuffer());
  const trusted: TrustedLedger | null = input.pin.trim() ? parseTrustedLedger(input.pin.trim()) : null;
  const rpcUrl = input.rpcUrl.trim();
  return verifyReceipt(raw, { connect: (ledger) => rpcChainView(rpcUrl, ledger), trusted });
}
