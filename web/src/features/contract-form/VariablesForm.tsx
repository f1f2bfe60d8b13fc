import "@mantine/dates/styles.css";
import { Alert, List } from "@mantine/core";
import Form from "@rjsf/mantine";
import type { CustomValidator, RJSFSchema, UiSchema } from "@rjsf/utils";
import { useCallback, useMemo } from "react";
import type { Variables } from "./contractDraft";
import { addErrorAt, errorSchemaOf, variablesValidator, type FieldMessage } from "./variablesValidation";
import { ruleProblems, type TemplateRule } from "../../templates/templateRules";
import { inWords, uiSchemaOf } from "../../templates/uiSchemaOf";

interface Props {
  schema: RJSFSchema;
  rules: readonly TemplateRule[];
  variables: Variables;
  /** The API's messages for the variables, by pointer relative to them. */
  serverErrors: readonly FieldMessage[];
  onChange: (variables: Variables) => void;
}

// The outer form submits: rjsf renders only the fields (a div, no button of its own).
const NO_SUBMIT: UiSchema = { "ui:submitButtonOptions": { norender: true } };
// rjsf fills an optional list up to its minItems with empty items (and an optional object with
// {}), which the schema then refuses: what the user did not ask for stays absent.
const OPTIONAL_PARTS_ABSENT = {
  arrayMinItems: { populate: "requiredOnly" },
  emptyObjectFields: "populateRequiredDefaults",
} as const;

/** The template's variables as a form built from its JSON Schema: the schema (Ajv 2020-12)
 * and the template's rules are checked as the user types, each message beside its field. */
export function VariablesForm({ schema, rules, variables, serverErrors, onChange }: Props) {
  // The rules run inside rjsf's validation (customValidate), so they refresh with every change;
  // the API's messages (extraErrors) stay until the user changes the variables.
  const customValidate = useCallback<CustomValidator>((formData, errors) => {
    for (const { pointer, message } of ruleProblems(rules, formData)) addErrorAt(errors, pointer, message);
    return errors;
  }, [rules]);
  const extraErrors = useMemo(() => errorSchemaOf(serverErrors), [serverErrors]);
  const uiSchema = useMemo(() => ({ ...uiSchemaOf(schema), ...NO_SUBMIT }), [schema]);
  return (
    <>
      <RuleSummary problems={ruleProblems(rules, variables)} />
      <Form tagName="div" schema={schema} uiSchema={uiSchema} validator={variablesValidator}
      formData={variables} experimental_defaultFormStateBehavior={OPTIONAL_PARTS_ABSENT}
      liveValidate="onChange" showErrorList={false} noHtml5Validate
      customValidate={customValidate} extraErrors={extraErrors}
      onChange={(event) => { onChange((event.formData ?? {}) as Variables); }} />
    </>
  );
}

/** The rules that do not hold yet, together and announced: a rule about a list (the
 * instalments' sum) has no single input to sit beside. */
function RuleSummary({ problems }: { problems: readonly FieldMessage[] }) {
  return (
    <div role="status" aria-live="polite">
      {problems.length > 0 && (
        <Alert color="yellow" title="The template's rules do not hold yet" mb="sm">
          <List size="sm">
            {problems.map(({ pointer, message }) => (
              <List.Item key={`${pointer} ${message}`}>{fieldName(pointer)}: {message}</List.Item>
            ))}
          </List>
        </Alert>
      )}
    </div>
  );
}

/** "/payment/installments/0/due" → "Payment › Installments › 1 › Due" (items counted from 1). */
function fieldName(pointer: string): string {
  return pointer.split("/").slice(1).map((token) => (/^\d+$/.test(token) ? String(Number(token) + 1) : inWords(token)))
    .join(" › ");
}
