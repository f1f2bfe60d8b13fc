export { createCmsClient } from "./client";
export type { CmsApi, CmsClientOptions, Schemas } from "./client";
export { CmsProblem, isProblemDocument } from "./problems";
export type { ProblemDocument, ProblemItem } from "./problems";
export type { components, paths } from "./generated/schema";
export { canonicalJson, digestOf, sha256Hex } from "./canonical";
export { didKeyFromEd25519, ed25519FromDidKey } from "./did/didKey";
export { baseUrlOf, present } from "./client";
export { chainIdOfDid, didPkhFromAddress, ethereumAddressOfDid } from "./did/ethereum";
export { checkChallenge } from "./auth/challenge";
export { CONTRACT_MESSAGE_PREFIX } from "./crypto/contractSignature";
export type { ChallengeExpectations, IssuedChallenge } from "./auth/challenge";
export { ChallengeRefused } from "./auth/errors";
export type { ChallengeRefusalReason } from "./auth/errors";
export { logout, register, signIn } from "./auth/signIn";
export type { MessageSigner, RegistrableSigner, SignInOptions, SignedIn } from "./auth/signIn";
export { ethereumSigner } from "./auth/ethereumSigner";
export type { EthereumAccountLike } from "./auth/ethereumSigner";
export { RENEW_BEFORE_MS, renewalDueAt, scheduleRenewal } from "./auth/renewal";
export type { RenewalSchedule } from "./auth/renewal";
export { ed25519KeyFromSeed, ed25519PublicKeyOfSeed, newEd25519Seed, verifyEd25519,
  webCryptoHasEd25519 } from "./keys/ed25519";
export type { Ed25519Backend, Ed25519Key } from "./keys/ed25519";
export { ed25519Signer } from "./keys/signer";
export type { Ed25519Signer } from "./keys/signer";
export { KeyFileError } from "./keys/errors";
export type { KeyFileProblem } from "./keys/errors";
export { DEFAULT_ITERATIONS, KEY_FILE_TYPE, KEY_FILE_VERSION, MAX_ITERATIONS,
  MIN_ITERATIONS, encryptKeyFile, isEncryptedKeyFile, keyFileText, openKeyFile, parseKeyFile,
  plainKeyFile } from "./keys/keyFile";
export type { EncryptedKeyFile, KeyEncryption, KeyFile, PlainKeyFile } from "./keys/keyFile";
export {
  verifyReceipt, parseTrustedLedger, rpcChainView, ChainUnavailable, RECEIPT_FORMAT, MAX_RECEIPT_BYTES,
  LEDGER_RUNTIME_CODE, verdictOf,
} from "./receipts";
export type {
  Check, ReceiptReport, TrustedLedger, Verdict, VerifyOptions, ChainAnchor, ChainSlot, ChainTransaction, ChainView, LedgerAt,
  MinedAnchor,
} from "./receipts";
export {
  CONTENT_FIELDS, CONTENT_SCHEMA, EIP712_DOMAIN_NAME, EIP712_DOMAIN_VERSION,
  contentDigest, contractMessage, contractTypedData,
} from "./crypto/contractSignature";
export { schemeForDid, verifySigningPayload } from "./signing/payload";
export type {
  SigningPayloadCheck, SigningPayloadOptions, SigningRefusal, SigningRefusalReason,
  VerifiedSigningPayload,
} from "./signing/payload";
export { SigningRefused, contractChangedSince, prepareContractSigning, signContract, signPrepared } from "./signing/signContract";
export type { ContractSigner, PreparedSigning } from "./signing/signContract";
export { INPUT_FORMAT, MAX_PARTY_BITS, ciphertextSize, encryptFor, importInputKey, inputAad, packBits, sealInput,
  uintBits } from "./circuits";
export type { CircuitInfo } from "./circuits";
