import { Alert, Anchor, Loader, Stack, Text, Title } from "@mantine/core";
import { Link, useParams } from "react-router";
import { useHasRole } from "../../auth/me";
import { ProblemAlert } from "../../auth/ProblemAlert";
import { useTemplateVersion } from "../../templates/templateQueries";
import { TemplateEditor } from "./TemplateEditor";

/** /templates/new (a new template) and /templates/:id/publish (its next version, starting
 * from the latest). Admins reach it from the screens; anyone else who opens it is told the
 * API will refuse them, and it does (the API decides, not this screen). */
export function PublishScreen() {
  const templateId = useParams().id;
  const admin = useHasRole("admin");
  const latest = useTemplateVersion(templateId ?? "", null);
  const creating = templateId === undefined;
  return (
    <Stack gap="md">
      <Anchor component={Link} to={creating ? "/templates" : `/templates/${templateId}`} size="sm">
        ← {creating ? "All templates" : "Back to the template"}
      </Anchor>
      <Title order={1}>{creating ? "New template" : `New version of ${latest.data?.name ?? templateId}`}</Title>
      {!admin && (
        <Alert color="blue" title="Only administrators publish templates">
          Your identity does not hold the admin role, so the API will refuse to publish this.
        </Alert>
      )}
      {creating ? <TemplateEditor base={undefined} /> : (
        <>
          <Text c="dimmed">The new version starts as a copy of the latest. Contracts already made keep the version they were made from.</Text>
          {latest.isPending && <Loader aria-label="Loading the latest version" />}
          <ProblemAlert error={latest.error} />
          {latest.data && <TemplateEditor key={latest.data.version} base={latest.data} />}
        </>
      )}
    </Stack>
  );
}
