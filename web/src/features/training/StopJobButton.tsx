import { Button, Group, Modal, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { ProblemAlert } from "../../app/ProblemAlert";
import { stopJob, useTrainingChange, type TrainingJob } from "./queries";

/** Stop a job (its consumer, the contract's provider, an admin), after saying what follows:
 * a consumer's stop keeps what was trained so far; anyone else's produces no model. */
export function StopJobButton({ job, asConsumer }: { job: TrainingJob; asConsumer: boolean }) {
  const [open, setOpen] = useState(false);
  const stop = useTrainingChange<TrainingJob>();
  const consequence = asConsumer
    ? "The job stops after its current epoch (a pending job at once) and keeps the model trained so far; the epsilon it did not spend goes back to the budget."
    : "The job stops after its current epoch (a pending job at once) and produces no model; the epsilon it did not spend goes back to the budget.";
  return (
    <>
      <Button color="red" variant="light" onClick={() => { setOpen(true); }}>Stop the job</Button>
      <Modal opened={open} onClose={() => { setOpen(false); }} title="Stop this training job?"
        closeButtonProps={{ "aria-label": "Close without stopping" }}>
        <Stack gap="sm">
          <Text size="sm">{consequence}</Text>
          {stop.isError && <ProblemAlert error={stop.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => { setOpen(false); }}>Keep it running</Button>
            <Button color="red" loading={stop.isPending}
              onClick={() => { stop.mutate((cms) => stopJob(cms, job.id), { onSuccess: () => { setOpen(false); } }); }}>
              Stop it
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
