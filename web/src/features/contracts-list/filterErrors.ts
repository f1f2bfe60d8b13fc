import type { PlainProblem } from "../../api/problemText";
import type { ListFilters } from "./listQuery";

/** A message beside each filter field that needs attention. */
export type FilterErrors = Partial<Record<keyof ListFilters, string>>;

// The filter field each listContracts query parameter is made from (apiQuery).
const FIELD_OF_POINTER: Record<string, keyof ListFilters> = {
  "query:counterparty": "counterparty", "query:template_id": "template", "query:role": "role",
  "query:created_after": "createdFrom", "query:created_before": "createdTo",
  "query:valid_at": "validOn", "query:q": "q",
};

// The server's message for a malformed DID quotes its pattern; a person needs an example.
const PLAIN_MESSAGE: Partial<Record<keyof ListFilters, string>> = {
  counterparty: "Enter a whole DID, such as did:key:z6Mk… or did:pkh:eip155:1:0x….",
};

export const INVERTED_WINDOW = "“Created from” must be on or before “Created until”.";

/** What must be fixed before the filters are applied: a created window that ends before it
 * starts (the API would refuse it, naming both parameters). */
export function draftErrors(filters: ListFilters): FilterErrors {
  const { createdFrom, createdTo } = filters;
  // Calendar days as YYYY-MM-DD compare as text.
  return createdFrom && createdTo && createdFrom > createdTo
    ? { createdFrom: INVERTED_WINDOW, createdTo: INVERTED_WINDOW } : {};
}

/** The API's refusal of the filters, field by field (an inverted window in a shared link, a
 * DID the API does not take); parameters that are no filter's stay in the page's alert. */
export function apiFilterErrors(problem: PlainProblem): FilterErrors {
  const errors: FilterErrors = {};
  for (const [pointer, message] of Object.entries(problem.fields)) {
    const field = FIELD_OF_POINTER[pointer];
    if (field) errors[field] = PLAIN_MESSAGE[field] ?? message;
  }
  return errors;
}
