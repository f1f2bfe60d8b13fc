export { createCmsClient } from "./client";
export type { CmsApi, CmsClientOptions, Schemas } from "./client";
export { CmsProblem, isProblemDocument } from "./problems";
export type { ProblemDocument, ProblemItem } from "./problems";
export type { components, paths } from "./generated/schema";
export { canonicalJson, digestOf, sha256Hex } from "./canonical";
export { didKeyFromEd25519, ed25519FromDidKey } from "./did/didKey";
