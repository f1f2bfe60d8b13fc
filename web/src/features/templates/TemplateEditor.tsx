import { Alert, Button, Group, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { CmsProblem } from "@cms/sdk";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState, type SubmitEvent } from "react";
import { useNavigate } from "react-router";
import { useCms } from "../../api/cms";
import { plainProblem } from "../../api/problemText";
import { useSession } from "../../auth/sessionStore";
import { draftKey, useStoredDraft } from "../contract-form/useStoredDraft";
import type { TemplateVersion } from "../../templates/templateQueries";
import { definitionOf, editorProblems, fieldsFrom, serverProblems, type EditorField, type EditorFields } from "./editorValidation";
import { JsonField } from "./JsonField";
import { NewerVersionNotice } from "./NewerVersionNotice";

/** What the browser keeps while an admin types: the fields and the version they started from,
 * sent as base_version so that the API refuses (409) if another version was published since. */
type EditorDraft = EditorFields & { baseVersion?: number };

/** The latest version a 409 reports, when it is newer than the one the draft started from. */
function newerVersionOf(error: unknown, baseVersion: number | undefined): number | undefined {
  if (!(error instanceof CmsProblem) || error.status !== 409) return undefined;
  const latest = (error.problem as { latest_version?: unknown }).latest_version;
  return typeof latest === "number" && (baseVersion === undefined || latest > baseVersion) ? latest : undefined;
}

interface Props {
  /** The version the new one starts from; undefined: a new template. */
  base: TemplateVersion | undefined;
}

/** The fields of a template version, checked here before anything is sent (JSON syntax, the
 * schema against JSON Schema's meta-schema, the rules' shapes, the example against both),
 * then published; the API's own refusals land beside the fields they name. */
export function TemplateEditor({ base }: Props) {
  const cms = useCms();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const did = useSession()?.did ?? "";
  const creating = base === undefined;
  const initial = useMemo<EditorDraft>(() => ({ ...fieldsFrom(base, base?.id), baseVersion: base?.version }), [base]);
  // Kept in this browser while typed (forgotten at sign-out with the contract drafts), with the
  // version it started from: a draft restored after another admin published is not sent as if
  // it were based on their version.
  const draft = useStoredDraft<EditorDraft>(draftKey(did, `template.${base?.id ?? "new"}`), initial);
  const { baseVersion, ...fields } = draft.value;
  // A draft from an earlier version (or one that does not say which: kept before versions were
  // recorded) is not published until the admin has chosen to keep it or start again.
  const behind = !creating && baseVersion !== base.version;
  const [attempted, setAttempted] = useState(false);
  const local = attempted ? editorProblems(fields, creating) : {};

  const publish = useMutation({
    mutationFn: async () => {
      const body = definitionOf(fields);
      if (creating) {
        const { data, response } = await cms.POST("/api/v1/templates", { body: { ...body, id: fields.id } });
        return { data, created: response.status === 201 };
      }
      const { data, response } = await cms.PUT("/api/v1/templates/{template_id}", {
        params: { path: { template_id: base.id }, query: { base_version: baseVersion ?? base.version } }, body });
      return { data, created: response.status === 201 };
    },
    onError: async (error) => {
      // Another admin published meanwhile: read the latest again (this editor then shows what
      // changed and offers to start again from it).
      if (newerVersionOf(error, baseVersion) !== undefined) await queryClient.invalidateQueries({ queryKey: ["templates", base?.id] });
    },
    onSuccess: async ({ data, created }) => {
      if (!data) return;
      draft.clear();
      await queryClient.invalidateQueries({ queryKey: ["templates"] });
      notifications.show({ message: created ? `Version ${String(data.version)} of ${data.name} is published.`
        : `Nothing changed: version ${String(data.version)} already has this content.` });
      void navigate(`/templates/${data.id}?version=${String(data.version)}`);
    },
  });
  const newer = publish.isError ? newerVersionOf(publish.error, baseVersion) : undefined;
  const problem = publish.isError && newer === undefined ? plainProblem(publish.error) : null;
  const server = serverProblems(problem?.fields ?? {});
  const errorOf = (field: EditorField) => local[field] ?? server.byField[field];
  const set = (field: EditorField) => (value: string) => { draft.update({ ...draft.value, [field]: value }); };

  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setAttempted(true);
    if (behind) {
      document.getElementById("template-newer-version")?.focus();
      return;
    }
    const found = Object.keys(editorProblems(fields, creating));
    if (found.length) {
      // The first field in trouble takes the focus (its message is its description).
      document.getElementById(`template-${found[0] ?? ""}`)?.focus();
      return;
    }
    publish.mutate();
  };
  const count = Object.keys(local).length;
  return (
    <form onSubmit={submit} noValidate aria-label="Template version">
      <Stack gap="md">
        {!creating && (behind || newer !== undefined) && (
          <NewerVersionNotice templateId={base.id} from={baseVersion} latest={Math.max(newer ?? 0, base.version)}
            ready={base.version >= (newer ?? 0)} refused={newer !== undefined} onStartAgain={() => { publish.reset(); draft.reset(); }}
            onKeep={() => { publish.reset(); draft.update({ ...draft.value, baseVersion: base.version }); }} />
        )}
        {draft.restored && !behind && newer === undefined && (
          <Alert color="blue" title="Unsaved changes restored">
            This browser kept what you typed earlier. <Button variant="subtle" size="compact-sm" onClick={draft.reset}>Start again from the latest version</Button>
          </Alert>
        )}
        {creating && <TextInput id="template-id" label="Template id" required description="3-64 characters: a-z, 0-9 and _, starting with a letter"
          value={fields.id} error={errorOf("id")} onChange={(e) => { set("id")(e.currentTarget.value); }} />}
        <Group grow align="flex-start" wrap="wrap">
          <TextInput id="template-name" label="Name" required value={fields.name} error={errorOf("name")} style={{ minWidth: 200 }}
            onChange={(e) => { set("name")(e.currentTarget.value); }} />
          <TextInput id="template-category" label="Category" required value={fields.category} error={errorOf("category")} style={{ minWidth: 160 }}
            onChange={(e) => { set("category")(e.currentTarget.value); }} />
        </Group>
        <Textarea id="template-description" label="Description" autosize minRows={2} value={fields.description}
          error={errorOf("description")} onChange={(e) => { set("description")(e.currentTarget.value); }} />
        <JsonField id="template-variablesSchema" label="Variables schema (JSON Schema 2020-12)" value={fields.variablesSchema}
          error={errorOf("variablesSchema")} onChange={set("variablesSchema")}
          description='An object schema: "type": "object" with its "properties" and "required".' />
        <JsonField id="template-rules" label="Rules (JSON)" value={fields.rules} error={errorOf("rules")} onChange={set("rules")}
          description="A list of rules: before, below_reciprocal, sum_equals, each_within, unique." />
        <JsonField id="template-body" label="Document body (Markdown with variables)" value={fields.body} error={errorOf("body")}
          onChange={set("body")} description="For example: Under the law of {{ jurisdiction }}." />
        <JsonField id="template-terms" label="Terms (JSON)" value={fields.terms} error={errorOf("terms")} onChange={set("terms")}
          description='Where {"$var": "/pointer"} stands for a variable.' />
        <Group grow align="flex-start" wrap="wrap">
          <TextInput id="template-validityFrom" label="Validity starts at (pointer)" required value={fields.validityFrom}
            error={errorOf("validityFrom")} style={{ minWidth: 160 }} onChange={(e) => { set("validityFrom")(e.currentTarget.value); }} />
          <TextInput id="template-validityUntil" label="Validity ends at (pointer)" required value={fields.validityUntil}
            error={errorOf("validityUntil")} style={{ minWidth: 160 }} onChange={(e) => { set("validityUntil")(e.currentTarget.value); }} />
        </Group>
        <JsonField id="template-example" label="Example variables (JSON)" value={fields.example} error={errorOf("example")}
          onChange={set("example")} description="Variables that satisfy the schema and the rules; the preview uses them." />
        <Text size="sm" role="status" aria-live="polite">
          {count > 0 ? `${String(count)} ${count === 1 ? "field needs" : "fields need"} attention before publishing.` : publish.isPending ? "Publishing…" : ""}
        </Text>
        {problem && (
          <Alert color="red" role="alert" title={problem.title}>
            {problem.detail}
            {server.other.length > 0 && <ul>{server.other.map((text) => <li key={text}>{text}</li>)}</ul>}
          </Alert>
        )}
        <Group>
          <Button type="submit" loading={publish.isPending}>{creating ? "Publish version 1" : "Publish the new version"}</Button>
        </Group>
      </Stack>
    </form>
  );
}
