import { Alert, Anchor, Loader, Stack, Text, Title } from "@mantine/core";
import { Link, useParams } from "react-router";
import { useMe } from "../../auth/me";
import { ProblemAlert } from "../../app/ProblemAlert";
import { useTemplateVersion } from "../../templates/templateQueries";
import { TemplateEditor } from "./TemplateEditor";

/** /templates/new (a new template) and /templates/:id/publish (its next version, starting
 * from the latest). Admins reach it from the screens; anyone else who opens it is told that
 * only administrators publish, with no editor to fill in for nothing (the API still decides:
 * it refuses them too). */
export function PublishScreen() {
  const templateId = useParams().id;
  const me = useMe();
  const admin = Boolean(me.data?.roles.includes("admin"));
  const creating = templateId === undefined;
  const latest = useTemplateVersion(templateId ?? "", null);
  const back = creating ? "/templates" : `/templates/${templateId}`;
  return (
    <Stack gap="md">
      <Anchor component={Link} to={back} size="sm">
        ← {creating ? "All templates" : "Back to the template"}
      </Anchor>
      <Title order={1}>{creating ? "New template" : `New version of ${latest.data?.name ?? templateId}`}</Title>
      {/* The roles first: an admin never sees the notice flash, nor anyone else the editor. */}
      {me.isPending ? <Loader aria-label="Checking your role" />
        : me.isError ? <ProblemAlert error={me.error} />
        : !admin ? (
          <>
            <Alert color="blue" title="Only administrators publish templates">
              Your identity does not hold the admin role, so there is nothing to fill in here.
            </Alert>
            <Anchor component={Link} to={back}>{creating ? "See the templates" : "See this template and its versions"}</Anchor>
          </>
        ) : creating ? <TemplateEditor base={undefined} /> : (
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
