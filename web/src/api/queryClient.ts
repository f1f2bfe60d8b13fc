import { CmsProblem } from "@cms/sdk";
import { QueryClient } from "@tanstack/react-query";

/** A refused request (4xx) is the answer, not a glitch: retry only what may pass next time. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        retry: (failures, error) => failures < 2 && isTransient(error),
        refetchOnWindowFocus: true,
      },
      mutations: { retry: false },
    },
  });
}

function isTransient(error: unknown): boolean {
  if (!(error instanceof CmsProblem)) return true;
  return error.status === 0 || error.status === 429 || error.status >= 500;
}
