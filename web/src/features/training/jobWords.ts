import type { JobStatus, TrainingJob } from "./queries";

export const JOB_STATUSES: readonly JobStatus[] = ["pending", "running", "completed", "failed", "stopped"];

export const JOB_STATUS_LABEL: Record<JobStatus, string> = {
  pending: "Pending", running: "Running", completed: "Completed", failed: "Failed", stopped: "Stopped",
};

// Mantine colours; the badge also carries the label, so colour is never the only signal.
export const JOB_STATUS_COLOR: Record<JobStatus, string> = {
  pending: "gray", running: "blue", completed: "green", failed: "red", stopped: "orange",
};

type StopCause = NonNullable<TrainingJob["stop_cause"]>;

const STOP_CAUSE_WORDS: Record<StopCause, string> = {
  consumer: "its consumer stopped it (it keeps what it trained so far)",
  provider: "the contract's provider stopped it (no model is produced)",
  admin: "an administrator stopped it (no model is produced)",
  contract_ended: "the contract ended (no model is produced)",
  party_suspended: "a party to the contract was suspended (no model is produced)",
};

/** Why a job stopped or is stopping, in words; null when nobody stopped it. */
export function stopInWords(job: TrainingJob): string | null {
  if (!job.stop_cause) return null;
  const why = STOP_CAUSE_WORDS[job.stop_cause];
  return job.status === "stopped" ? `Stopped: ${why}.` : `Stopping after the current epoch: ${why}.`;
}

export const jobPath = (id: string): string => `/training/jobs/${id}`;
