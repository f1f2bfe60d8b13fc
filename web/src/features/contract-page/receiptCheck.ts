import { parseTrustedLedger, rpcChainView, verifyReceipt, type CmsApi, type ReceiptReport } from "@cms/sdk";
import { present } from "./queries";

/** A receipt checked here, in the browser, and what the check relied on. */
export interface ReceiptCheck {
  report: ReceiptReport;
  /** The ledger pinned: the one the platform names (GET /api/v1/ledger), or null when it
   * named none that parses. */
  pin: string | null;
  rpcUrl: string;
}

/** The contract's receipt verified by the SDK's verifier in this browser, through `rpcUrl`
 * (the deployment's chain endpoint), pinned to the ledger the platform names. That pin is the
 * platform's word: a hostile platform could name its own ledger, which is why the page says
 * so and points to /verify for a pin obtained out of band. */
export async function checkReceiptInBrowser(cms: CmsApi, contractId: string, rpcUrl: string): Promise<ReceiptCheck> {
  const [receipt, ledger] = await Promise.all([
    cms.GET("/api/v1/contracts/{contract_id}/receipt", { params: { path: { contract_id: contractId } }, parseAs: "arrayBuffer" }),
    cms.GET("/api/v1/ledger"),
  ]);
  const raw = new Uint8Array(present(receipt.data));
  const pin = ledger.data?.pin ?? null;
  const trusted = pin === null ? null : parseTrustedLedger(pin);
  const report = await verifyReceipt(raw, { connect: (at) => rpcChainView(rpcUrl, at), trusted });
  return { report, pin: trusted ? pin : null, rpcUrl };
}
