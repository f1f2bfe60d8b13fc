import { Alert, Code, Loader, Stack, Text } from "@mantine/core";
import { plainProblem } from "../../api/problemText";
import { formatInstant } from "../../contracts/lifecycle";
import { RenderedDocument } from "../../templates/RenderedDocument";
import { useRenderedPreview, type TemplateVersion } from "../../templates/templateQueries";

/** The version's document rendered by the API with the version's own example variables. */
export function ExamplePreview({ version }: { version: TemplateVersion }) {
  const preview = useRenderedPreview(version.id, version.version, version.example, true);
  return (
    <Stack gap="sm">
      <Text size="sm">Rendered with the template's example variables:</Text>
      <Code block aria-label="Example variables">{JSON.stringify(version.example, null, 2)}</Code>
      {preview.isPending && <Loader size="sm" aria-label="Rendering the preview" />}
      {preview.isError && <Alert color="red" role="alert" title={plainProblem(preview.error).title}>{plainProblem(preview.error).detail}</Alert>}
      {preview.data && (
        <>
          <Text size="sm" role="status">
            A contract made now with these variables would run from {formatInstant(preview.data.valid_from)} until {formatInstant(preview.data.valid_until)}.
          </Text>
          <RenderedDocument title={`Preview of ${version.name}, version ${String(version.version)}`} html={preview.data.html} />
        </>
      )}
    </Stack>
  );
}
