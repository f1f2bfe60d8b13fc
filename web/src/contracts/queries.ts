import type { Schemas } from "@cms/sdk";
import { useQuery } from "@tanstack/react-query";
import { useCms } from "../api/cms";

export type TemplateSummary = Schemas["TemplateSummary"];

/** The template catalogue (latest version of each), shared by the list's filter and the form. */
export function useTemplates() {
  const cms = useCms();
  return useQuery({
    queryKey: ["templates"],
    staleTime: 60_000,
    queryFn: async ({ signal }) => {
      const { data } = await cms.GET("/api/v1/templates", { signal });
      return data?.items ?? [];
    },
  });
}

/** Query keys of everything that lists contracts: invalidated after any change. */
export const CONTRACT_LISTS = ["contracts"] as const;
