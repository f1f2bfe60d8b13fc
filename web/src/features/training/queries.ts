import { CmsProblem, present, type CmsApi, type Schemas } from "@cms/sdk";
import { useMutation, useQuery, useQueryClient, type Query } from "@tanstack/react-query";
import { useCms } from "../../api/cms";
import { pollInterval, useReader } from "../contract-page/queries";

export type TrainingJob = Schemas["TrainingJob"];
export type JobStatus = TrainingJob["status"];
export type PrivacyBudget = Schemas["PrivacyBudget"];
export type Dataset = Schemas["Dataset"];
export type TrainingVerification = Schemas["TrainingVerification"];

// Keyed by who reads as well: what one identity was shown is never served to another.
export const trainingKeys = {
  budget: (did: string, contractId: string) => ["training", did, "budget", contractId] as const,
  datasets: (did: string, contractId: string) => ["training", did, "datasets", contractId] as const,
  job: (did: string, id: string) => ["training", did, "job", id] as const,
  verification: (did: string, id: string) => ["training", did, "verification", id] as const,
  jobs: (did: string, status: JobStatus | null) => ["training", did, "jobs", status] as const,
  all: (did: string) => ["training", did] as const,
};

/** A resource as last read, with its entity tag to ask whether it changed. */
export interface Tagged<T> { value: T; etag: string | null }

type Answer<T> = Promise<{ data?: T; response: Response }>;

/** Read again with If-None-Match: an unchanged resource costs a 304 and no body, and the
 * same object comes back (nothing re-renders, nothing is announced). */
export async function readTagged<T>(read: (headers: { "If-None-Match"?: string }) => Answer<T>,
  previous: Tagged<T> | undefined): Promise<Tagged<T>> {
  const answer = await read(previous?.etag ? { "If-None-Match": previous.etag } : {});
  if (answer.response.status === 304 && previous) return previous;
  return { value: present(answer.data), etag: answer.response.headers.get("ETag") };
}

/** A refusal that asking again will not change (no such resource, or not the caller's):
 * polling stops on it. */
export function isFinalRefusal(error: unknown): boolean {
  return error instanceof CmsProblem && [401, 403, 404, 410].includes(error.status);
}

/** When to read a tagged resource again: while the tab is visible and `live` says so (the
 * timeline's pace: backing off after failures), never after a final refusal. */
export function nextPoll<T>(live: (value: T | undefined) => boolean,
  state: { data?: Tagged<T>; error: unknown; fetchFailureCount: number }, visible: boolean): number | false {
  if (isFinalRefusal(state.error)) return false;
  return live(state.data?.value) ? pollInterval(visible, state.fetchFailureCount) : false;
}

function livePolling<T>(live: (value: T | undefined) => boolean) {
  return {
    retry: false,
    refetchIntervalInBackground: false,
    refetchInterval: (query: Query<Tagged<T>>) =>
      nextPoll(live, query.state, document.visibilityState === "visible"),
  } as const;
}

const OPEN: readonly JobStatus[] = ["pending", "running"];
export const isOpen = (job: TrainingJob): boolean => OPEN.includes(job.status);

/** The contract's privacy budget with its jobs: live while any job is open (a settlement
 * moves epsilon from reserved to spent), and read once otherwise. */
export function usePrivacyBudget(contractId: string) {
  const cms = useCms();
  const queryClient = useQueryClient();
  const key = trainingKeys.budget(useReader(), contractId);
  return useQuery({
    queryKey: key,
    queryFn: () => readTagged((header) => cms.GET("/api/v1/contracts/{contract_id}/privacy-budget",
      { params: { path: { contract_id: contractId }, header } }), queryClient.getQueryData<Tagged<PrivacyBudget>>(key)),
    ...livePolling<PrivacyBudget>((budget) => budget?.jobs.some(isOpen) ?? false),
  });
}

/** A job, live until it settles. */
export function useTrainingJob(id: string) {
  const cms = useCms();
  const queryClient = useQueryClient();
  const key = trainingKeys.job(useReader(), id);
  return useQuery({
    queryKey: key,
    queryFn: () => readTagged((header) => cms.GET("/api/v1/training-jobs/{job_id}",
      { params: { path: { job_id: id }, header } }), queryClient.getQueryData<Tagged<TrainingJob>>(key)),
    ...livePolling<TrainingJob>((job) => !job || isOpen(job)),
  });
}

/** The contract's datasets; live while one awaits its check (`watching`). */
/** The contract's datasets; an upload's wait refreshes this same query while it checks. */
export function useDatasets(contractId: string) {
  const cms = useCms();
  return useQuery({
    queryKey: trainingKeys.datasets(useReader(), contractId),
    queryFn: async () => present((await cms.GET("/api/v1/contracts/{contract_id}/datasets",
      { params: { path: { contract_id: contractId } } })).data).items,
  });
}

export function useVerification(id: string, enabled: boolean) {
  const cms = useCms();
  return useQuery({
    queryKey: trainingKeys.verification(useReader(), id),
    queryFn: async () => present((await cms.GET("/api/v1/training-jobs/{job_id}/verification",
      { params: { path: { job_id: id } } })).data),
    enabled,
    staleTime: Infinity, // a settled job's result does not change
  });
}

/** Ask for the model's short-lived link when the user downloads it (never earlier: it
 * expires in minutes). */
export async function modelLink(cms: CmsApi, id: string) {
  return present((await cms.GET("/api/v1/training-jobs/{job_id}/model", { params: { path: { job_id: id } } })).data);
}

/** A change to training (a job started or stopped): everything training shows is read again. */
export function useTrainingChange<T>() {
  const cms = useCms();
  const queryClient = useQueryClient();
  const reader = useReader();
  return useMutation({
    mutationFn: (change: (client: CmsApi) => Promise<T>) => change(cms),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: trainingKeys.all(reader) }),
  });
}

export async function stopJob(cms: CmsApi, id: string): Promise<TrainingJob> {
  return present((await cms.POST("/api/v1/training-jobs/{job_id}/stop", { params: { path: { job_id: id } } })).data);
}
