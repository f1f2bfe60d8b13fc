import { Button, Loader, Select, Stack, Text, Title } from "@mantine/core";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useSearchParams } from "react-router";
import { useCms } from "../../api/cms";
import { ProblemAlert } from "../../app/ProblemAlert";
import { pollInterval, useReader } from "../contract-page/queries";
import { JOB_STATUSES, JOB_STATUS_LABEL } from "./jobWords";
import { JobsTable } from "./JobsTable";
import { isOpen, trainingKeys, type JobStatus } from "./queries";

const ALL = "all";

/** The caller's training jobs across contracts (as consumer or provider), newest first,
 * filtered by state (kept in the address, so a filtered view can be shared and reloaded). */
export function JobsScreen() {
  const [params, setParams] = useSearchParams();
  const requested = params.get("status");
  const status = JOB_STATUSES.find((known) => known === requested) ?? null;
  const jobs = useJobPages(status);
  const items = jobs.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Stack gap="md">
      <Title order={1}>Training</Title>
      <Text size="sm">Your training jobs across contracts, as consumer or provider, newest first. A contract&apos;s page shows its privacy budget, datasets and the form to start a job.</Text>
      <Select label="State" w={220} allowDeselect={false} value={status ?? ALL}
        data={[{ value: ALL, label: "Every state" }, ...JOB_STATUSES.map((value) => ({ value, label: JOB_STATUS_LABEL[value] }))]}
        onChange={(value) => { setParams(value && value !== ALL ? { status: value } : {}); }} />
      {jobs.isPending && <Loader size="sm" role="status" aria-label="Loading the training jobs" />}
      {jobs.isError && <ProblemAlert error={jobs.error} />}
      {jobs.data && (items.length === 0 && jobs.hasNextPage
        ? <Text size="sm" role="status">None among the jobs read so far; show more to look further back.</Text>
        : <JobsTable jobs={items} label="Your training jobs" showContract />)}
      {jobs.hasNextPage && (
        <div><Button variant="default" loading={jobs.isFetchingNextPage} onClick={() => { void jobs.fetchNextPage(); }}>Show more</Button></div>
      )}
    </Stack>
  );
}

/** The jobs page by page through the API's cursor; read again every few seconds while one
 * of them is open and the tab is visible. */
function useJobPages(status: JobStatus | null) {
  const cms = useCms();
  return useInfiniteQuery({
    queryKey: trainingKeys.jobs(useReader(), status),
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) => {
      const { data } = await cms.GET("/api/v1/training-jobs", {
        params: { query: { limit: 20, ...(status ? { status } : {}), ...(pageParam ? { cursor: pageParam } : {}) } }, signal });
      return data ?? { items: [], next_cursor: null };
    },
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    // Backing off after failures, as every live screen does.
    refetchInterval: (query) => (query.state.data?.pages.some((page) => page.items.some(isOpen))
      ? pollInterval(document.visibilityState === "visible", query.state.fetchFailureCount, 5_000) : false),
    retry: false,
  });
}
