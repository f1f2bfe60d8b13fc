import { Alert, Text, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import type { RJSFSchema } from "@rjsf/utils";
import { plainProblem } from "../../api/problemText";
import { RenderedDocument } from "../../templates/RenderedDocument";
import type { TemplateRule } from "../../templates/templateRules";
import { useRenderedPreview } from "../../templates/templateQueries";
import { variablesProblems } from "./variablesValidation";

interface Props {
  templateId: string;
  version: number | null;
  schema: RJSFSchema;
  rules: readonly TemplateRule[];
  variables: unknown;
}

const PAUSE_MS = 500;

/** The document as the server renders it from the variables, a moment after the user stops
 * typing (in a sandboxed frame: RenderedDocument). */
export function DocumentPreview({ templateId, version, schema, rules, variables }: Props) {
  const [settled] = useDebouncedValue(variables, PAUSE_MS);
  const problems = variablesProblems(schema, rules, settled);
  const valid = problems.schemaErrors === 0 && problems.rules.length === 0;
  const preview = useRenderedPreview(templateId, version, settled, valid);
  return (
    <section aria-labelledby="preview-heading">
      <Title order={2} size="h4" id="preview-heading" mb="xs">Preview</Title>
      <Text size="sm" c="dimmed" role="status" aria-live="polite" mb="xs">
        {!valid ? "The preview follows once the form is complete and the rules hold."
          : preview.isFetching ? "Updating the preview…" : preview.data ? "The preview shows the form as it is." : ""}
      </Text>
      {preview.isError && (
        <Alert color="red" title={plainProblem(preview.error).title} mb="xs">{plainProblem(preview.error).detail}</Alert>
      )}
      {preview.data && (
        <RenderedDocument title="Preview of the contract document" html={preview.data.html} />
      )}
    </section>
  );
}
