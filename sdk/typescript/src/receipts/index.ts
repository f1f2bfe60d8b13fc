export { verifyReceipt, parseTrustedLedger, verdictOf, UNPINNED } from "./verify";
export type { Check, ReceiptReport, TrustedLedger, Verdict, VerifyOptions } from "./verify";
export { rpcChainView, ChainUnavailable } from "./chain";
export type { ChainAnchor, ChainSlot, ChainTransaction, ChainView, LedgerAt, MinedAnchor } from "./chain";
export { FORMAT as RECEIPT_FORMAT, MAX_RECEIPT_BYTES } from "./format";
export { LEDGER_RUNTIME_CODE } from "./ledgerRuntime.generated";
