import type { Schemas } from "@cms/sdk";
import type { Contract } from "../../contracts/lifecycle";

export type NewContract = Schemas["NewContract"];
export type ContractChange = Schemas["ContractChange"];
export type Variables = Record<string, unknown>;

/** Everything the form holds, as the browser keeps it between visits (localStorage). */
export interface ContractDraft {
  mode: "template" | "terms";
  title: string;
  description: string;
  counterparty: string;
  templateId: string;
  /** null: the latest version. */
  templateVersion: number | null;
  variables: Variables;
  /** datetime-local values (the user's local time). */
  validFrom: string;
  validUntil: string;
  /** A JSON object, or plain text. */
  terms: string;
}

export const EMPTY_DRAFT: ContractDraft = {
  mode: "template", title: "", description: "", counterparty: "", templateId: "", templateVersion: null,
  variables: {}, validFrom: "", validUntil: "", terms: "",
};

/** Terms as the API takes them: a JSON object if the text is one, else the text itself. */
export function termsOf(text: string): Record<string, unknown> | string {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Not JSON: the terms are text.
  }
  return text;
}

function instant(local: string): string {
  return new Date(local).toISOString();
}

/** The createContract body for a draft. */
export function newContractBody(draft: ContractDraft): NewContract {
  const common = { consumer_did: draft.counterparty.trim(), description: draft.description };
  if (draft.mode === "template") {
    return { ...common, template_id: draft.templateId, variables: draft.variables as NewContract["variables"],
      ...(draft.templateVersion !== null ? { template_version: draft.templateVersion } : {}),
      ...(draft.title.trim() ? { title: draft.title.trim() } : {}) };
  }
  return { ...common, title: draft.title.trim(), terms: termsOf(draft.terms) as NewContract["terms"],
    valid_from: instant(draft.validFrom), valid_until: instant(draft.validUntil) };
}

/** The updateContract body: a template contract changes through its variables. */
export function changeBody(draft: ContractDraft): ContractChange {
  const common = { consumer_did: draft.counterparty.trim(), description: draft.description, title: draft.title.trim() };
  if (draft.mode === "template") return { ...common, variables: draft.variables as ContractChange["variables"] };
  return { ...common, terms: termsOf(draft.terms) as ContractChange["terms"],
    valid_from: instant(draft.validFrom), valid_until: instant(draft.validUntil) };
}

function localInput(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${String(date.getFullYear())}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function objectOf(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : null;
}

/** The form's state for editing a draft: its template and variables, or its terms. */
export function draftOfContract(contract: Contract): ContractDraft {
  const template = objectOf(contract.metadata.template);
  const variables = objectOf(template?.variables);
  const common = { ...EMPTY_DRAFT, title: contract.title, description: contract.description,
    counterparty: contract.consumer_did, validFrom: localInput(contract.valid_from), validUntil: localInput(contract.valid_until) };
  if (template && variables && typeof template.id === "string" && typeof template.version === "number") {
    return { ...common, mode: "template", templateId: template.id, templateVersion: template.version, variables };
  }
  const terms = contract.terms;
  return { ...common, mode: "terms", terms: typeof terms === "string" ? terms : JSON.stringify(terms, null, 2) };
}

/** Which of the API's field pointers the form shows beside its own inputs. */
export const FIELD_POINTERS = {
  title: "/title", description: "/description", counterparty: "/consumer_did", terms: "/terms",
  validFrom: "/valid_from", validUntil: "/valid_until", template: "/template_id",
} as const;
export const VARIABLES_POINTER = "/variables";
