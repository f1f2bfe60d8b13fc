export { createCmsClient } from "./client";
export type { CmsApi, CmsClientOptions, Schemas } from "./client";
export { CmsProblem, isProblemDocument } from "./problems";
export type { ProblemDocument, ProblemItem } from "./problems";
export type { components, paths } from "./generated/schema";
export { canonicalJson, digestOf, sha256Hex } from "./canonical";
export { didKeyFromEd25519, ed25519FromDidKey } from "./did/didKey";
export {
  verifyReceipt, parseTrustedLedger, rpcChainView, ChainUnavailable, RECEIPT_FORMAT, MAX_RECEIPT_BYTES,
  LEDGER_RUNTIME_CODE,
} from "./receipts";
export type {
  Check, ReceiptReport, TrustedLedger, VerifyOptions, ChainAnchor, ChainSlot, ChainTransaction, ChainView, LedgerAt,
  MinedAnchor,
} from "./receipts";
export {
  CONTENT_FIELDS, CONTENT_SCHEMA, EIP712_DOMAIN_NAME, EIP712_DOMAIN_VERSION,
  contentDigest, contractMessage, contractTypedData, schemeForDid, verifySigningPayload,
} from "./signing/payload";
export type {
  SigningPayloadCheck, SigningPayloadOptions, SigningRefusal, SigningRefusalReason,
  VerifiedSigningPayload,
} from "./signing/payload";
export { SigningRefused, prepareContractSigning, signContract, signPrepared } from "./signing/signContract";
export type { ContractSigner, PreparedSigning } from "./signing/signContract";
