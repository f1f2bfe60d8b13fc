import { Alert, Button, Group, Loader, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { plainProblem } from "../../api/problemText";
import { useTemplateVersion } from "../../templates/templateQueries";
import { DiffView } from "./DiffView";

interface Props {
  templateId: string;
  /** The version the draft started from (undefined: a draft that did not record it). */
  from: number | undefined;
  /** The latest version now. */
  latest: number;
  /** Whether the latest version has been read again (what "start again" starts from). */
  ready: boolean;
  /** Whether the API has just refused to publish (409) because of it. */
  refused: boolean;
  onStartAgain: () => void;
  onKeep: () => void;
}

/** The draft was started from an older version than the latest: publishing it would quietly
 * undo what the newer version changed, so the admin sees what changed and chooses. */
export function NewerVersionNotice({ templateId, from, latest, ready, refused, onStartAgain, onKeep }: Props) {
  const [comparing, setComparing] = useState(false);
  const title = refused ? `Not published: version ${String(latest)} was published while you were editing`
    : `Version ${String(latest)} has been published since you started`;
  return (
    <Alert id="template-newer-version" tabIndex={-1} color="yellow" role={refused ? "alert" : "status"} title={title}>
      <Stack gap="xs">
        <Text size="sm">
          {from === undefined ? "These unsaved changes do not say which version they started from." : `Your changes started from version ${String(from)}.`}
          {" "}Publishing them as they are would undo what version {latest} changed. Start again from version {latest}, or
          look at what changed and keep your changes on top of it.
        </Text>
        {ready ? (
          <Group gap="xs" wrap="wrap">
            {from !== undefined && (
              <Button variant="light" size="compact-sm" aria-expanded={comparing} onClick={() => { setComparing(!comparing); }}>
                {comparing ? "Hide what changed" : `See what changed since version ${String(from)}`}
              </Button>
            )}
            <Button variant="light" size="compact-sm" onClick={onStartAgain}>Start again from version {latest}</Button>
            <Button variant="subtle" size="compact-sm" onClick={onKeep}>Keep my changes on top of version {latest}</Button>
          </Group>
        ) : <Loader size="sm" aria-label={`Loading version ${String(latest)}`} />}
        {comparing && from !== undefined && <Changes templateId={templateId} from={from} to={latest} />}
      </Stack>
    </Alert>
  );
}

function Changes({ templateId, from, to }: { templateId: string; from: number; to: number }) {
  const older = useTemplateVersion(templateId, from);
  const newer = useTemplateVersion(templateId, to);
  const error = older.error ?? newer.error;
  if (error) return <Text size="sm" c="red">Could not load the versions to compare: {plainProblem(error).title}</Text>;
  if (!older.data || !newer.data) return <Loader size="sm" aria-label="Loading the versions to compare" />;
  return <DiffView from={older.data} to={newer.data} />;
}
