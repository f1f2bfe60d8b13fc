import "@mantine/dates/styles.css";
import Form from "@rjsf/mantine";
import type { CustomValidator, RJSFSchema, UiSchema } from "@rjsf/utils";
import { useCallback, useMemo } from "react";
import type { Variables } from "./contractDraft";
import { addErrorAt, errorSchemaOf, variablesValidator, type FieldMessage } from "./variablesValidation";
import { ruleProblems, type TemplateRule } from "./templateRules";

interface Props {
  schema: RJSFSchema;
  rules: readonly TemplateRule[];
  variables: Variables;
  /** The API's messages for the variables, by pointer relative to them. */
  serverErrors: readonly FieldMessage[];
  onChange: (variables: Variables) => void;
}

// The outer form submits: rjsf renders only the fields (a div, no button of its own).
const UI_SCHEMA: UiSchema = { "ui:submitButtonOptions": { norender: true } };

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
  return (
    <Form tagName="div" schema={schema} uiSchema={UI_SCHEMA} validator={variablesValidator}
      formData={variables} liveValidate="onChange" showErrorList={false} noHtml5Validate
      customValidate={customValidate} extraErrors={extraErrors}
      onChange={(event) => { onChange((event.formData ?? {}) as Variables); }} />
  );
}
