import type { Schemas } from "@cms/sdk";

/** Contracts as every screen sees them (the API's own types): the list, the dashboard, the
 * form and the contract page. */
export type Contract = Schemas["Contract"];
export type ContractStatus = Contract["status"];
export type Role = "provider" | "consumer";

export const STATUSES: readonly ContractStatus[] = [
  "draft", "review", "signed", "active", "completed", "terminated", "expired"];

export const STATUS_LABEL: Record<ContractStatus, string> = {
  draft: "Draft", review: "In review", signed: "Signed", active: "Active",
  completed: "Completed", terminated: "Terminated", expired: "Expired",
};

// Mantine colours; the badge also carries the label, so colour is never the only signal.
export const STATUS_COLOR: Record<ContractStatus, string> = {
  draft: "gray", review: "yellow", signed: "teal", active: "green",
  completed: "blue", terminated: "red", expired: "orange",
};

export function isStatus(value: string | null): value is ContractStatus {
  return STATUSES.includes(value as ContractStatus);
}

export function roleOf(contract: Contract, did: string): Role | null {
  if (contract.provider_did === did) return "provider";
  if (contract.consumer_did === did) return "consumer";
  return null;
}

export function counterpartyOf(contract: Contract, did: string): string {
  return contract.provider_did === did ? contract.consumer_did : contract.provider_did;
}

export const contractPath = (id: string): string => `/contracts/${id}`;
export const editPath = (id: string): string => `/contracts/${id}/edit`;

/** A DID shortened for lists (the whole one is in the title attribute and on the page). */
export function shortDid(did: string): string {
  return did.length <= 28 ? did : `${did.slice(0, 16)}…${did.slice(-8)}`;
}

export function formatDate(instant: string): string {
  return new Date(instant).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

/** An instant in the reader's words; "—" for none, and the text itself when it is not one. */
export function formatInstant(instant: string | null | undefined): string {
  if (!instant) return "—";
  const date = new Date(instant);
  return Number.isNaN(date.getTime()) ? instant : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
