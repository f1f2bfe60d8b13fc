import type { PlainProblem } from "../../api/problemText";
import { FIELD_POINTERS, VARIABLES_POINTER } from "./contractDraft";
import type { FieldMessage } from "./variablesValidation";

/** The API's field messages placed where the form shows them: its own inputs, the variables
 * form (pointers relative to the variables), or, for anything else, the problem's alert. */
export function serverFieldErrors(problem: PlainProblem | null): {
  fields: Partial<Record<keyof typeof FIELD_POINTERS, string>>;
  variables: FieldMessage[];
  unplaced: FieldMessage[];
} {
  const fields: Partial<Record<keyof typeof FIELD_POINTERS, string>> = {};
  const variables: FieldMessage[] = [];
  const unplaced: FieldMessage[] = [];
  const byPointer = Object.entries(FIELD_POINTERS) as [keyof typeof FIELD_POINTERS, string][];
  for (const [pointer, message] of Object.entries(problem?.fields ?? {})) {
    const field = byPointer.find(([, p]) => p === pointer)?.[0];
    if (field) fields[field] = message;
    else if (pointer === VARIABLES_POINTER || pointer.startsWith(`${VARIABLES_POINTER}/`)) {
      variables.push({ pointer: pointer.slice(VARIABLES_POINTER.length), message });
    } else unplaced.push({ pointer, message });
  }
  return { fields, variables, unplaced };
}
