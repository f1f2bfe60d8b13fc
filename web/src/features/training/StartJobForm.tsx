import { Button, Code, List, NumberInput, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMemo } from "react";
import { useNavigate } from "react-router";
import { plainProblem } from "../../api/problemText";
import { useStoredDraft } from "../contract-form/useStoredDraft";
import { ProblemAlert } from "../../app/ProblemAlert";
import { present } from "@cms/sdk";
import { shortEpsilon, type Nanos } from "./epsilon";
import { jobErrors, type JobDraft, type TrainingAllowance } from "./jobRules";
import { jobPath } from "./jobWords";
import { useTrainingChange, type TrainingJob } from "./queries";

/** The consumer starts a job: a model the contract allows, epochs, and epsilon to reserve
 * (never more than is left; the form says why with the exact figures). The draft survives a
 * reload. */
export function StartJobForm({ contractId, did, allowance, available }: {
  contractId: string; did: string; allowance: TrainingAllowance; available: Nanos;
}) {
  const initial = useMemo<JobDraft>(() => ({ model: allowance.models[0] ?? "", epochs: 1, epsilon: "" }), [allowance]);
  const draft = useStoredDraft(`cms.trainingJobDraft.${did}.${contractId}`, initial);
  const start = useTrainingChange<TrainingJob>();
  const navigate = useNavigate();
  const errors = jobErrors(draft.value, allowance, available);
  const touched = draft.value.epsilon !== "";
  const serverFields = start.isError ? plainProblem(start.error).fields : {};
  const set = (change: Partial<JobDraft>) => { draft.update({ ...draft.value, ...change }); };

  function submit() {
    const { model, epochs, epsilon } = draft.value;
    start.mutate((cms) => cms.POST("/api/v1/training-jobs", {
      body: { contract_id: contractId, model: model as TrainingJob["model_name"],
        config: { epochs: Number(epochs), epsilon: epsilon.trim() } },
    }).then((answer) => present(answer.data)), {
      onSuccess: (job) => { draft.clear(); void navigate(jobPath(job.id)); },
    });
  }

  return (
    <form aria-labelledby="start-job-title" noValidate onSubmit={(event) => { event.preventDefault(); if (!Object.keys(errors).length) submit(); }}>
      <Stack gap="xs">
        <Title order={3} size="h4" id="start-job-title">Start a training job</Title>
        <Select label="Model" data={allowance.models} value={draft.value.model} allowDeselect={false}
          onChange={(model) => { set({ model: model ?? "" }); }} error={errors.model ?? serverFields["/model"]} />
        <NumberInput label="Epochs" min={1} max={allowance.maxEpochs} allowDecimal={false} value={draft.value.epochs}
          onChange={(epochs) => { set({ epochs }); }} error={errors.epochs ?? serverFields["/config/epochs"]}
          description={`At most ${String(allowance.maxEpochs)}, as the contract says`} />
        <TextInput label="Epsilon to reserve" inputMode="decimal" value={draft.value.epsilon} autoComplete="off"
          onChange={(event) => { set({ epsilon: event.currentTarget.value }); }}
          description={`The run never spends more than this. Left: ${shortEpsilon(available)}`}
          error={touched ? (errors.epsilon ?? serverFields["/config/epsilon"]) : undefined} />
        <div>
          <Text size="sm" fw={500}>Enclave images the contract allows</Text>
          <List size="xs">
            {allowance.images.map((image) => (
              <List.Item key={image.pcr0} style={{ overflowWrap: "anywhere" }}>
                {image.description ?? "Image"}: PCR0 <Code>{image.pcr0}</Code>
              </List.Item>
            ))}
          </List>
          <Text size="xs" c="dimmed">The job runs only in an enclave measuring as one of these; the result says which.</Text>
        </div>
        {start.isError && <ProblemAlert error={start.error} />}
        <div>
          <Button type="submit" loading={start.isPending} disabled={Object.keys(errors).length > 0}>Start training</Button>
        </div>
      </Stack>
    </form>
  );
}
