import { Alert, Grid, Text } from "@mantine/core";
import type { RJSFSchema } from "@rjsf/utils";
import { useEffect } from "react";
import { plainProblem } from "../../api/problemText";
import type { ContractDraft } from "./contractDraft";
import { DocumentPreview } from "./DocumentPreview";
import { TemplatePicker } from "./TemplatePicker";
import type { TemplateRule } from "../../templates/templateRules";
import { useTemplateVersion } from "../../templates/templateQueries";
import type { FieldMessage } from "./variablesValidation";
import { VariablesForm } from "./VariablesForm";

interface Props {
  draft: ContractDraft;
  locked: boolean;
  templateError: string | undefined;
  variableErrors: readonly FieldMessage[];
  onChange: (changes: Partial<ContractDraft>) => void;
}

/** A template and version, its variables as a form, and the rendered document beside it. */
export function TemplateSection({ draft, locked, templateError, variableErrors, onChange }: Props) {
  const template = useTemplateVersion(draft.templateId, draft.templateVersion);
  const schema: RJSFSchema | undefined = template.data?.variables_schema;
  const rules: readonly TemplateRule[] = template.data?.rules ?? [];
  const example = template.data?.example;
  const empty = Object.keys(draft.variables).length === 0;
  // A template just chosen starts from its example: the user adapts it rather than starting blank.
  useEffect(() => {
    if (example && empty) onChange({ variables: example });
  }, [example, empty, onChange]);
  const pick = (templateId: string, templateVersion: number | null) => {
    onChange({ templateId, templateVersion, variables: templateId === draft.templateId ? draft.variables : {} });
  };
  return (
    <>
      <TemplatePicker templateId={draft.templateId} version={draft.templateVersion} error={templateError}
        locked={locked} onChange={pick} />
      {template.isError && <Alert color="red" title={plainProblem(template.error).title}>{plainProblem(template.error).detail}</Alert>}
      {template.data && schema && (
        <Grid gap="lg">
          <Grid.Col span={{ base: 12, md: 7 }}>
            <Text size="sm" c="dimmed" mb="xs">
              {template.data.description} The terms and the validity follow from these variables.
            </Text>
            <VariablesForm schema={schema} rules={rules} variables={draft.variables}
              serverErrors={variableErrors} onChange={(variables) => { onChange({ variables }); }} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 5 }}>
            {/* Beside the form while the user scrolls through it (below it on a phone). */}
            <div style={{ position: "sticky", top: 72 }}>
              <DocumentPreview templateId={draft.templateId} version={draft.templateVersion}
                schema={schema} rules={rules} variables={draft.variables} />
            </div>
          </Grid.Col>
        </Grid>
      )}
    </>
  );
}
