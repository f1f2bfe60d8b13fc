import type { Schemas } from "@cms/sdk";

/** Contracts as the list, the dashboard and the form see them (the API's own types). */
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

/** What a contract waits for from this person now: the server's rules
 * (cms.domain.contracts.rules) as far as the caller can see them; the API still decides. */
export type Waiting = "sign" | "submit" | "activate";

export function waitsFor(contract: Contract, did: string, now: Date): Waiting | null {
  const role = roleOf(contract, did);
  // Past its end a contract only awaits expiry: every change is refused.
  if (role === null || now >= new Date(contract.valid_until)) return null;
  switch (contract.status) {
    case "review": {
      const deadline = contract.signing_deadline;
      const open = deadline === null || now < new Date(deadline);
      return open && contract.pending_signers.includes(did) ? "sign" : null;
    }
    case "draft": return role === "provider" ? "submit" : null;
    case "signed": return now >= new Date(contract.valid_from) ? "activate" : null;
    default: return null;
  }
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

export function formatInstant(instant: string): string {
  return new Date(instant).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
