import type { ContractDraft } from "./contractDraft";
import { counterpartyProblem } from "./did";

export type FormField = "title" | "counterparty" | "template" | "validFrom" | "validUntil" | "terms";

/** What the form itself can tell is wrong before asking the API (which still decides). */
export function formProblems(draft: ContractDraft, myDid: string): Partial<Record<FormField, string>> {
  const problems: Partial<Record<FormField, string>> = {};
  const counterparty = counterpartyProblem(draft.counterparty, myDid);
  if (counterparty) problems.counterparty = counterparty;
  if (draft.mode === "template") {
    if (!draft.templateId) problems.template = "Choose a template.";
    return problems;
  }
  if (!draft.title.trim()) problems.title = "Give the contract a title.";
  if (!draft.validFrom) problems.validFrom = "When does the contract start?";
  if (!draft.validUntil) problems.validUntil = "When does the contract end?";
  else if (draft.validFrom && new Date(draft.validUntil) <= new Date(draft.validFrom)) {
    problems.validUntil = "The end must come after the start.";
  }
  if (!draft.terms.trim()) problems.terms = "Write the terms, as a JSON object or as text.";
  return problems;
}
