import { Alert, Button, Group, SegmentedControl, Stack, Text, Textarea, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useCallback, useState, type SubmitEvent } from "react";
import { useNavigate } from "react-router";
import { plainProblem, type PlainProblem } from "../../api/problemText";
import { useSession } from "../../auth/sessionStore";
import { contractPath, type Contract } from "../../contracts/lifecycle";
import { CONTRACT_LISTS } from "../../contracts/queries";
import type { ContractDraft } from "./contractDraft";
import { formProblems } from "./formChecks";
import { serverFieldErrors } from "./serverErrors";
import { TermsFields } from "./TermsFields";
import { useStoredDraft } from "./useStoredDraft";

// The schema-driven form (rjsf, the JSON Schema validator, date pickers) is most of this
// screen's code: loaded only when a template is in play, not for free-form terms.
const TemplateSection = lazy(() => import("./TemplateSection").then((module) => ({ default: module.TemplateSection })));

interface Props {
  storageKey: string;
  initial: ContractDraft;
  /** Editing a draft: its kind and template stay; everything else may change. */
  editing: boolean;
  submitLabel: string;
  save: (draft: ContractDraft) => Promise<Contract>;
}

export function ContractForm({ storageKey, initial, editing, submitLabel, save }: Props) {
  const did = useSession()?.did ?? "";
  const stored = useStoredDraft(storageKey, initial);
  const { value: draft, update } = stored;
  const [attempted, setAttempted] = useState(false);
  const [problem, setProblem] = useState<PlainProblem | null>(null);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const change = useCallback((changes: Partial<ContractDraft>) => { update({ ...draft, ...changes }); }, [draft, update]);
  const mutation = useMutation({
    mutationFn: save,
    onSuccess: async (contract) => {
      stored.clear();
      await queryClient.invalidateQueries({ queryKey: CONTRACT_LISTS });
      void navigate(contractPath(contract.id));
    },
    onError: (error) => { setProblem(plainProblem(error)); },
  });
  const own = formProblems(draft, did);
  const server = serverFieldErrors(problem);
  // The DID is checked as soon as one is typed; the rest once the user has tried to submit.
  const mine = attempted ? own : draft.counterparty && own.counterparty ? { counterparty: own.counterparty } : {};
  const errors: Partial<Record<string, string>> = { ...server.fields, ...mine };
  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setAttempted(true);
    setProblem(null);
    if (Object.keys(own).length === 0) mutation.mutate(draft);
  };
  return (
    <form onSubmit={submit} noValidate aria-label={submitLabel}>
      <Stack gap="md">
        {stored.restored && (
          <Alert color="blue" title="Your unsaved work is back">
            <Group gap="sm" wrap="wrap"><Text size="sm">This form holds what you entered last time.</Text>
              <Button size="xs" variant="default" onClick={stored.reset}>Start over</Button>
            </Group>
          </Alert>
        )}
        {!editing && (
          <SegmentedControl value={draft.mode} aria-label="Make the contract from"
            data={[{ value: "template", label: "From a template" }, { value: "terms", label: "Free-form terms" }]}
            onChange={(mode) => { change({ mode: mode === "terms" ? "terms" : "template" }); }} />
        )}
        <TextInput label="Title" required={draft.mode === "terms"} value={draft.title} error={errors.title} maxLength={200}
          description={draft.mode === "template" ? "Optional: the template's name by default" : undefined}
          onChange={(e) => { change({ title: e.currentTarget.value }); }} />
        <TextInput label="Counterparty DID" required value={draft.counterparty} error={errors.counterparty}
          description="The consumer: the other party, who signs after you submit" placeholder="did:key:z6Mk…"
          onChange={(e) => { change({ counterparty: e.currentTarget.value }); }} />
        <Textarea label="Description" autosize minRows={2} value={draft.description} error={errors.description}
          onChange={(e) => { change({ description: e.currentTarget.value }); }} />
        {draft.mode === "template"
          ? (
            <Suspense fallback={<Text c="dimmed" role="status">Loading the template form…</Text>}>
              <TemplateSection draft={draft} locked={editing} templateError={errors.template}
                variableErrors={server.variables} onChange={change} />
            </Suspense>
          )
          : <TermsFields draft={draft} errors={errors} onChange={change} />}
        <div role="alert" aria-live="assertive">
          {problem && (
            <Alert color="red" title={problem.title}>
              {problem.detail}
              {server.unplaced.map((item) => <Text key={item.pointer} size="sm">{item.pointer}: {item.message}</Text>)}
            </Alert>
          )}
        </div>
        <Group>
          <Button type="submit" loading={mutation.isPending}>{submitLabel}</Button>
        </Group>
      </Stack>
    </form>
  );
}
